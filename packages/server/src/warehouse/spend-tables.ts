import { clickhouseLiteral, clickhouseQuoteIdent as quoteIdent } from './dialect/clickhouse-quoting.js';

/**
 * Ad spend, exchange rates and campaign metadata, on both engines (warehouse migration 7).
 *
 * - `ad_spend_rows`: every daily row ever imported or pulled, tagged with the load that wrote it.
 * - `ad_spend_loads`: per (network, account, date), the load that holds that day now. Networks
 *   restate recent days, so a new load of a day *replaces* it whole: a campaign missing from the
 *   restatement is gone, not left over from the old load. ClickHouse has no DELETE worth using
 *   here (18.16 mutations are asynchronous), so both engines read through the same indirection.
 * - `ad_spend` (view): the rows of each day's current load. This is what reports and users read.
 * - `fx_rates`: the daily rates the user imports (`1 from_currency = rate to_currency`).
 * - `ad_campaigns`: campaign id → name, status, objective, and Google's campaign type and ad
 *   network type (what GA4 labels auto-tagged clicks by).
 *
 * Cost is kept exact: `cost_micros` is the cost in millionths of its currency, an integer (Google
 * reports `cost_micros` itself; the decimal strings of the other networks convert without floats).
 */
export const SPEND_TABLE_DOCS: Readonly<Record<string, string>> = {
  ad_spend: 'daily ad cost per network, account, campaign and ad group (the current load of each day): cost_micros in currency, impressions, clicks, network-reported conversions',
  ad_spend_rows: 'every daily spend row ever loaded, with its load_id (ad_spend shows the current load of each day)',
  ad_spend_loads: 'per network, account and date: the load that holds that day now (a re-import or re-pull of a day replaces it)',
  fx_rates: 'daily exchange rates imported by the user: 1 from_currency = rate to_currency on date',
  ad_campaigns: 'campaign metadata: name, status, objective, and for Google Ads the campaign type and ad network type',
};

/** The spend row columns, in insert order (`load_id`, `loaded_at` follow). */
export const SPEND_COLUMNS = [
  'network',
  'account',
  'date',
  'campaign_id',
  'campaign_name',
  'ad_group_id',
  'ad_group_name',
  'cost_micros',
  'currency',
  'impressions',
  'clicks',
  'network_conversions',
  'network_conversion_value',
  'origin',
] as const;

export const CAMPAIGN_COLUMNS = ['network', 'account', 'campaign_id', 'campaign_name', 'status', 'objective', 'channel_type', 'ad_network_type'] as const;

/** Rows of each day's current load; a tuple IN reads the same on DuckDB and ClickHouse 18.16. */
function spendViewSelect(rows: string, loads: string): string {
  const cols = SPEND_COLUMNS.join(', ');
  return `SELECT ${cols}, loaded_at FROM ${rows} WHERE (network, account, date, load_id) IN (SELECT network, account, date, load_id FROM ${loads})`;
}

export function spendDuckdbStatements(): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ad_spend_rows (
  network VARCHAR NOT NULL,
  account VARCHAR NOT NULL,
  date DATE NOT NULL,
  campaign_id VARCHAR NOT NULL,
  campaign_name VARCHAR,
  ad_group_id VARCHAR NOT NULL,
  ad_group_name VARCHAR,
  cost_micros BIGINT NOT NULL,
  currency VARCHAR NOT NULL,
  impressions BIGINT,
  clicks BIGINT,
  network_conversions DOUBLE,
  network_conversion_value DOUBLE,
  origin VARCHAR,
  load_id VARCHAR NOT NULL,
  loaded_at TIMESTAMPTZ NOT NULL
)`,
    `CREATE TABLE IF NOT EXISTS ad_spend_loads (
  network VARCHAR NOT NULL,
  account VARCHAR NOT NULL,
  date DATE NOT NULL,
  load_id VARCHAR NOT NULL,
  loaded_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (network, account, date)
)`,
    `CREATE VIEW IF NOT EXISTS ad_spend AS ${spendViewSelect('ad_spend_rows', 'ad_spend_loads')}`,
    `CREATE TABLE IF NOT EXISTS fx_rates (
  date DATE NOT NULL,
  from_currency VARCHAR NOT NULL,
  to_currency VARCHAR NOT NULL,
  rate DOUBLE NOT NULL,
  loaded_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (date, from_currency, to_currency)
)`,
    `CREATE TABLE IF NOT EXISTS ad_campaigns (
  network VARCHAR NOT NULL,
  account VARCHAR,
  campaign_id VARCHAR NOT NULL,
  campaign_name VARCHAR,
  status VARCHAR,
  objective VARCHAR,
  channel_type VARCHAR,
  ad_network_type VARCHAR,
  updated_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (network, campaign_id)
)`,
  ];
}

/**
 * ClickHouse (18.16 and later): rows in a MergeTree (a load's rows are never changed), loads,
 * rates and campaigns in ReplacingMergeTree tables whose newest version wins (read `FINAL`).
 * `ts` is the warehouse's timestamp type.
 */
// long: one CREATE statement per table, read as SQL
export function spendClickhouseStatements(database: string, ts: string): string[] {
  const db = quoteIdent(database);
  return [
    `CREATE TABLE IF NOT EXISTS ${db}.ad_spend_rows (
  network String,
  account String,
  date Date,
  campaign_id String,
  campaign_name Nullable(String),
  ad_group_id String,
  ad_group_name Nullable(String),
  cost_micros Int64,
  currency String,
  impressions Nullable(Int64),
  clicks Nullable(Int64),
  network_conversions Nullable(Float64),
  network_conversion_value Nullable(Float64),
  origin Nullable(String),
  load_id String,
  loaded_at ${ts}
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(date)
ORDER BY (network, account, date, load_id, campaign_id, ad_group_id)`,
    `CREATE TABLE IF NOT EXISTS ${db}.ad_spend_loads (
  network String,
  account String,
  date Date,
  load_id String,
  loaded_at ${ts},
  version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (network, account, date)`,
    `CREATE VIEW IF NOT EXISTS ${db}.ad_spend AS ${spendViewSelect(`${db}.ad_spend_rows`, `${db}.ad_spend_loads FINAL`)}`,
    `CREATE TABLE IF NOT EXISTS ${db}.fx_rates (
  date Date,
  from_currency String,
  to_currency String,
  rate Float64,
  loaded_at ${ts},
  version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (from_currency, to_currency, date)`,
    `CREATE TABLE IF NOT EXISTS ${db}.ad_campaigns (
  network String,
  account Nullable(String),
  campaign_id String,
  campaign_name Nullable(String),
  status Nullable(String),
  objective Nullable(String),
  channel_type Nullable(String),
  ad_network_type Nullable(String),
  updated_at ${ts},
  version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (network, campaign_id)`,
  ];
}

/** How the spend tables are spread over a cluster (the local tables' sharding keys). */
const CLUSTER_SHARDING: Readonly<Record<string, string>> = {
  ad_spend_rows: 'cityHash64(network, account)',
  ad_spend_loads: 'cityHash64(network, account)',
  fx_rates: 'cityHash64(from_currency, to_currency)',
  ad_campaigns: 'cityHash64(network, campaign_id)',
};

/**
 * The same for `touchline warehouse ddl --cluster`: a Replicated* table `<name>_local` on every
 * node and a Distributed table under the name, and the view over the Distributed tables. Not
 * exercised by the test suite (it runs the single-server DDL), like the activation tables'.
 */
export function spendClickhouseClusterStatements(database: string, ts: string, cluster: string): string[] {
  const db = quoteIdent(database);
  const on = `ON CLUSTER ${quoteIdent(cluster)}`;
  return spendClickhouseStatements(database, ts).flatMap((ddl) => {
    // GLOBAL IN: a plain IN over two Distributed tables is refused (distributed_product_mode = deny).
    if (ddl.startsWith('CREATE VIEW')) return [ddl.replace(`${db}.ad_spend AS`, `${db}.ad_spend ${on} AS`).replace(') IN (SELECT', ') GLOBAL IN (SELECT')];
    const name = /\.(\w+) \(/.exec(ddl)?.[1] ?? '';
    const local = `${name}_local`;
    const path = `${clickhouseLiteral(`/clickhouse/tables/{shard}/${database}/${local}`)}, ${clickhouseLiteral('{replica}')}`;
    const replicated = ddl
      .replace(`${db}.${name} (`, () => `${db}.${quoteIdent(local)} ${on} (`)
      .replace(/ENGINE = (Replacing)?MergeTree(?:\(([^)]*)\))?/, (_m, replacing?: string, version?: string) =>
        `ENGINE = Replicated${replacing ?? ''}MergeTree(${[path, version].filter(Boolean).join(', ')})`,
      );
    return [
      replicated,
      `CREATE TABLE IF NOT EXISTS ${db}.${name} ${on} AS ${db}.${quoteIdent(local)}\nENGINE = Distributed(${quoteIdent(cluster)}, ${db}, ${quoteIdent(local)}, ${CLUSTER_SHARDING[name]})`,
    ];
  });
}
