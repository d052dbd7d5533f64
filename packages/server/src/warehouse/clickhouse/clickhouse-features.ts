import { TimestampFlavor, type ClickHouseFeatures } from '../dialect/clickhouse-features.js';
import type { SqlParams } from '../dialect/sql-value.js';

// The features are the dialect's input (dialect/clickhouse-features.ts); detecting them is this engine's job.
export { TimestampFlavor, type ClickHouseFeatures } from '../dialect/clickhouse-features.js';

export interface FeatureProbe {
  scalar(sql: string, params?: SqlParams): Promise<string>;
}

/** Asks the server which of the features above it has. */
export async function detectFeatures(probe: FeatureProbe, existingTimestampType: string | null): Promise<ClickHouseFeatures> {
  const version = await probe.scalar('SELECT version()');
  const serverTimezone = await probe.scalar('SELECT timezone()');
  const hasType = async (name: string) =>
    Number(await probe.scalar(`SELECT count() FROM system.data_type_families WHERE name = $name`, { name })) > 0;
  const hasFunction = async (name: string) => Number(await probe.scalar(`SELECT count() FROM system.functions WHERE name = $name`, { name })) > 0;
  const hasFormat = async (name: string) =>
    Number(await probe.scalar(`SELECT count() FROM system.formats WHERE name = $name AND is_output = 1`, { name })) > 0;
  const major = Number(version.split('.')[0]);
  const timestamps =
    existingTimestampType !== null
      ? timestampFlavorOf(existingTimestampType)
      : (await hasType('DateTime64'))
        ? TimestampFlavor.DateTime64
        : TimestampFlavor.IsoString;
  return {
    version,
    serverTimezone,
    timestamps,
    jsonExtract: await hasFunction('JSONExtractString'),
    parquetOutput: await hasFormat('Parquet'),
    lowCardinality: major >= 19 && (await hasType('LowCardinality')),
    memoryLimitBytes: Number(await probe.scalar(`SELECT value FROM system.settings WHERE name = 'max_memory_usage'`)) || 0,
  };
}

/**
 * Settings of every read (user SQL, views, attribution paths): `readonly=1`, under which the
 * server refuses writes, DDL, `SET`/`SETTINGS` and table functions (all of them on 18.x; those
 * reaching files, URLs and other servers on current releases), so no query can lift it. Settings
 * sent with it in the same request still apply (the server checks them against the user's
 * profile, not against `readonly=1`): aggregations and sorts that outgrow half the memory limit
 * spill to disk instead of failing, so a read is bounded by the disk, not by memory (the
 * attribution paths group every person's touches). `readonly` goes last all the same.
 */
export function readSettings(
  f: Pick<ClickHouseFeatures, 'memoryLimitBytes'>,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const spill = String(Math.floor(f.memoryLimitBytes / 2));
  const spilling = f.memoryLimitBytes > 0 ? { max_bytes_before_external_group_by: spill, max_bytes_before_external_sort: spill } : {};
  return { ...spilling, ...extra, readonly: '1' };
}

/** The flavor an existing timestamp column was created with (an upgraded server keeps it). */
export function timestampFlavorOf(columnType: string): TimestampFlavor {
  return /DateTime64/.test(columnType) ? TimestampFlavor.DateTime64 : TimestampFlavor.IsoString;
}

/** Features assumed when printing DDL for a server we are not connected to (a current release). */
export const CURRENT_SERVER_FEATURES: ClickHouseFeatures = {
  version: 'current',
  serverTimezone: 'UTC',
  timestamps: TimestampFlavor.DateTime64,
  jsonExtract: true,
  parquetOutput: true,
  lowCardinality: true,
  memoryLimitBytes: 10_000_000_000,
};
