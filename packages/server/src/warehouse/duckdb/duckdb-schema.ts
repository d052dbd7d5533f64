import { ColumnType, EVENT_COLUMNS, FAILED_EVENT_COLUMNS, IDENTITY_COLUMNS, type Column } from '../schema.js';
import { activationDuckdbStatements, activationV4DuckdbStatements } from '../activation-tables.js';
import { planDuckdbStatements } from '../plan-tables.js';
import { spendDuckdbStatements } from '../spend-tables.js';
import { suppressionDuckdbStatements } from '../suppression-tables.js';
import { duckdbQuoteIdent as quoteIdent } from '../dialect/duckdb-dialect.js';

const DUCK_TYPES: Record<ColumnType, string> = {
  string: 'VARCHAR',
  timestamp: 'TIMESTAMPTZ',
  bool: 'BOOLEAN',
  int: 'BIGINT',
  json: 'JSON',
};

export function duckType(c: Column): string {
  return DUCK_TYPES[c.type];
}

function columnList(cols: readonly Column[]): string {
  return cols.map((c) => `  ${quoteIdent(c.name)} ${duckType(c)}`).join(',\n');
}

/** A versioned, append-only migration: never edit one that has shipped; add the next. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly string[];
}

/**
 * In version order. A store applies every version above the highest it has, so a new migration
 * takes the next number above the last one here; version 5 was never used, and a 5 added now
 * would be skipped by every store already at 7.
 */
export const DUCKDB_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'events, failed_events, identities, sources, loader checkpoints',
    statements: [
      `CREATE TABLE IF NOT EXISTS events (\n${columnList(EVENT_COLUMNS)}\n)`,
      `CREATE TABLE IF NOT EXISTS failed_events (\n${columnList(FAILED_EVENT_COLUMNS)}\n)`,
      `CREATE TABLE IF NOT EXISTS identities (\n${columnList(IDENTITY_COLUMNS)}\n)`,
      `CREATE TABLE IF NOT EXISTS sources (
  id VARCHAR PRIMARY KEY,
  name VARCHAR NOT NULL UNIQUE,
  write_key VARCHAR NOT NULL UNIQUE,
  created_at TIMESTAMPTZ NOT NULL,
  revoked_at TIMESTAMPTZ
)`,
      `CREATE TABLE IF NOT EXISTS loader_checkpoints (
  collector_id VARCHAR PRIMARY KEY,
  segment_seq BIGINT NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
)`,
    ],
  },
  { version: 2, name: 'activation: sync_runs, sync_state, sync_row_results', statements: activationDuckdbStatements() },
  {
    version: 3,
    name: 'last_load_ids: the ids of the latest load, for the sessions refresh',
    statements: [`CREATE TABLE IF NOT EXISTS last_load_ids (anonymous_id VARCHAR, user_id VARCHAR)`],
  },
  { version: 4, name: 'activation: sync_row_results.receipt, vendor_code', statements: activationV4DuckdbStatements() },
  { version: 6, name: 'tracking plans: plan_version and plan_violations on events and failed_events, plan_replays', statements: planDuckdbStatements() },
  { version: 7, name: 'ad spend: ad_spend_rows, ad_spend_loads, ad_spend, fx_rates, ad_campaigns', statements: spendDuckdbStatements() },
  { version: 8, name: 'privacy: privacy_suppressions (the suppression lists every collector shares)', statements: suppressionDuckdbStatements() },
];

/** Tables whose columns follow `schema.ts`: columns added there are added here on migrate. */
export const SCHEMA_TABLES: readonly [string, readonly Column[]][] = [
  ['events', EVENT_COLUMNS],
  ['failed_events', FAILED_EVENT_COLUMNS],
  ['identities', IDENTITY_COLUMNS],
];
