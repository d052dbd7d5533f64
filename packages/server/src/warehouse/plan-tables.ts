import { clickhouseLiteral, clickhouseQuoteIdent } from './dialect/clickhouse-quoting.js';

/**
 * `plan_replays`: one row per quarantined event that `touchline replay` has re-ingested, keyed by
 * the failed row's identity (request id, batch index), so a replay run twice re-ingests nothing
 * twice (src/plans/replay.ts). The plan columns on events and failed_events come from schema.ts.
 */
export const PLAN_REPLAYS = 'plan_replays';

export function planDuckdbStatements(): string[] {
  return [
    `ALTER TABLE events ADD COLUMN IF NOT EXISTS plan_version VARCHAR`,
    `ALTER TABLE events ADD COLUMN IF NOT EXISTS plan_violations JSON`,
    `ALTER TABLE failed_events ADD COLUMN IF NOT EXISTS plan_version VARCHAR`,
    `ALTER TABLE failed_events ADD COLUMN IF NOT EXISTS plan_violations JSON`,
    `CREATE TABLE IF NOT EXISTS ${PLAN_REPLAYS} (
  request_id VARCHAR NOT NULL,
  batch_index BIGINT NOT NULL,
  source_id VARCHAR,
  message_id VARCHAR,
  replayed_at TIMESTAMPTZ NOT NULL,
  plan_version VARCHAR,
  outcome VARCHAR NOT NULL,
  PRIMARY KEY (request_id, batch_index)
)`,
  ];
}

/** ReplacingMergeTree on the failed row's identity: a second record of one replay collapses. */
export function planClickhouseStatements(database: string, ts: string, cluster?: string): string[] {
  const db = clickhouseQuoteIdent(database);
  const columns = `(
  request_id String,
  batch_index Int64,
  source_id Nullable(String),
  message_id Nullable(String),
  replayed_at ${ts},
  plan_version Nullable(String),
  outcome String
)`;
  if (!cluster) return [`CREATE TABLE IF NOT EXISTS ${db}.${PLAN_REPLAYS} ${columns}\nENGINE = ReplacingMergeTree()\nORDER BY (request_id, batch_index)`];
  const on = `ON CLUSTER ${clickhouseQuoteIdent(cluster)}`;
  const local = clickhouseQuoteIdent(`${PLAN_REPLAYS}_local`);
  const path = `${clickhouseLiteral(`/clickhouse/tables/{shard}/${database}/${PLAN_REPLAYS}_local`)}, ${clickhouseLiteral('{replica}')}`;
  return [
    `CREATE TABLE IF NOT EXISTS ${db}.${local} ${on} ${columns}\nENGINE = ReplicatedReplacingMergeTree(${path})\nORDER BY (request_id, batch_index)`,
    `CREATE TABLE IF NOT EXISTS ${db}.${PLAN_REPLAYS} ${on} AS ${db}.${local}\nENGINE = Distributed(${clickhouseQuoteIdent(cluster)}, ${db}, ${local}, cityHash64(request_id))`,
  ];
}
