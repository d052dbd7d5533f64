import { clickhouseLiteral, clickhouseQuoteIdent as quoteIdent } from './dialect/clickhouse-quoting.js';

/**
 * `privacy_suppressions` (warehouse migration 8): the suppression lists of every collector of a
 * deployment, published so that a person deleted through one collector is dropped by all of them
 * (src/privacy/shared-suppressions.ts). Keyed hashes only, never an identifier. Append-only: a
 * lifted suppression is a later row with `removed` set, so ClickHouse needs no mutation and every
 * collector reads the same history. Hidden from the analyst SQL path (see {@link ANALYST_HIDDEN_TABLES}).
 */
export const PRIVACY_SUPPRESSIONS = 'privacy_suppressions';

/**
 * Tables the analyst SQL path (`touchline sql`, `POST /admin/sql`, the dashboard's SQL) refuses to
 * name: the published suppression hashes would let an analyst test guessed emails against the
 * list if the keying secret ever leaked, and they are nobody's report. Lower case.
 */
export const ANALYST_HIDDEN_TABLES: readonly string[] = [PRIVACY_SUPPRESSIONS];

/** Whether a name (a table, or text naming one) names a hidden table, whatever its case. */
export function namesHiddenTable(text: string): string | undefined {
  const t = text.toLowerCase();
  return ANALYST_HIDDEN_TABLES.find((name) => t.includes(name));
}

export function suppressionDuckdbStatements(): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${PRIVACY_SUPPRESSIONS} (
  hash VARCHAR NOT NULL,
  collector_id VARCHAR NOT NULL,
  removed BOOLEAN NOT NULL,
  at_ms BIGINT NOT NULL
)`,
  ];
}

const COLUMNS = `(
  hash String,
  collector_id String,
  removed UInt8,
  at_ms Int64
)`;

/** Plain MergeTree: rows are events of a tiny list, read whole by every collector's poll. */
export function suppressionClickhouseStatements(database: string, cluster?: string): string[] {
  const db = quoteIdent(database);
  if (!cluster) return [`CREATE TABLE IF NOT EXISTS ${db}.${PRIVACY_SUPPRESSIONS} ${COLUMNS}\nENGINE = MergeTree()\nORDER BY (hash, at_ms)`];
  const on = `ON CLUSTER ${quoteIdent(cluster)}`;
  const local = quoteIdent(`${PRIVACY_SUPPRESSIONS}_local`);
  const path = `${clickhouseLiteral(`/clickhouse/tables/{shard}/${database}/${PRIVACY_SUPPRESSIONS}_local`)}, ${clickhouseLiteral('{replica}')}`;
  return [
    `CREATE TABLE IF NOT EXISTS ${db}.${local} ${on} ${COLUMNS}\nENGINE = ReplicatedMergeTree(${path})\nORDER BY (hash, at_ms)`,
    `CREATE TABLE IF NOT EXISTS ${db}.${PRIVACY_SUPPRESSIONS} ${on} AS ${db}.${local}\nENGINE = Distributed(${quoteIdent(cluster)}, ${db}, ${local}, cityHash64(hash))`,
  ];
}
