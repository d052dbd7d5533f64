/**
 * What the connected ClickHouse can do. Touchline supports every server from 18.16 (Debian's
 * package) to current releases; where a newer feature changes the SQL we write, it is detected
 * once at open time and the choice is recorded here, never guessed from a version string alone.
 */
export const TimestampFlavor = {
  /** `DateTime64(3, 'UTC')` (19.19+): real time values with milliseconds. */
  DateTime64: 'datetime64',
  /**
   * `String` holding ISO-8601 UTC with milliseconds (`2026-03-01T11:59:58.000Z`), fixed width so
   * that text order is time order. For servers without DateTime64 (18.16).
   */
  IsoString: 'iso-string',
} as const;
export type TimestampFlavor = (typeof TimestampFlavor)[keyof typeof TimestampFlavor];

export interface ClickHouseFeatures {
  /** `SELECT version()`, e.g. `18.16.1` or `24.8.4.13`. */
  readonly version: string;
  /** The server's own time zone: `DateTime` values without a zone in their type are written in it. */
  readonly serverTimezone: string;
  /** How timestamp columns are stored; existing tables win over what the server could do. */
  readonly timestamps: TimestampFlavor;
  /** `JSONExtractString` and friends (19.x+); else only `visitParamExtract*`. */
  readonly jsonExtract: boolean;
  /** `FORMAT Parquet` for output (19.x+). */
  readonly parquetOutput: boolean;
  /** `LowCardinality(...)` without the experimental flag (19.x+). */
  readonly lowCardinality: boolean;
  /** The connection's `max_memory_usage` per query, bytes (0: no limit). */
  readonly memoryLimitBytes: number;
}
