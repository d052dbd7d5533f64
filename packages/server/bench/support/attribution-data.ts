import { DuckDBInstance } from '@duckdb/node-api';
import { createReadStream } from 'node:fs';
import { request } from 'node:http';
import { clickhouseQuoteIdent } from '../../src/warehouse/dialect/clickhouse-quoting.js';
import { duckdbLiteral, duckdbQuoteIdent as quoteIdent } from '../../src/warehouse/dialect/duckdb-dialect.js';
import type { Warehouse } from '../../src/warehouse/warehouse.js';

/**
 * Synthetic traffic for the attribution bench, generated in DuckDB's SQL (seconds for 10M rows,
 * where Node would take minutes). Sessions of four events: a landing (a quarter direct, the rest
 * organic search, social, referral, UTM-tagged email / paid social / cpc, gclid and li_fat_id
 * clicks), two page views, and a `track`: `Order Completed` with a value in 40% of sessions (so
 * 10M events hold 1M conversions), `Product Viewed` otherwise. 2.5M sessions over 800k people
 * spread over six months; a third of the people have a second device; half the sessions sign in
 * from their third event on, which links the device to the user in `identities`.
 */
export interface SyntheticData {
  readonly events: number;
  readonly conversions: number;
  readonly people: number;
}

const COLUMNS = [
  'message_id',
  'source_id',
  'type',
  'event',
  'anonymous_id',
  'user_id',
  'timestamp',
  'received_at',
  'url',
  'host',
  'referrer_domain',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'click_id_type',
  'click_id',
  'gclid',
  'li_fat_id',
  'is_bot',
  'properties',
] as const;

function eventsSelect(events: number): string {
  const people = Math.max(1, Math.round((events / 10_000_000) * 800_000));
  return `WITH s AS (
  SELECT e::BIGINT AS e, (e // 4)::BIGINT AS s, (e % 4)::INTEGER AS pos, hash(e // 4) AS h, hash((e // 4) * 31 + 7) AS h2 FROM range(${events}) t(e)
), s2 AS (
  SELECT e, s, pos, (h % ${people})::INTEGER AS p, (h2 % 100)::INTEGER AS mix, ((h // 1000000) % (180 * 86400))::BIGINT AS off, (h2 // 100)::BIGINT AS r FROM s
)
SELECT 'm' || e::VARCHAR AS message_id, 'src_bench' AS source_id,
  CASE WHEN pos = 3 THEN 'track' ELSE 'page' END AS type,
  CASE WHEN pos = 3 THEN CASE WHEN r % 10 < 4 THEN 'Order Completed' ELSE 'Product Viewed' END END AS event,
  'a' || p::VARCHAR || '-' || ((r // 10) % (1 + (p % 3 = 0)::INTEGER))::VARCHAR AS anonymous_id,
  CASE WHEN pos >= 2 AND (r // 100) % 2 = 0 THEN 'u' || p::VARCHAR END AS user_id,
  to_timestamp(1767225600 + off + pos * 60) AS "timestamp",
  to_timestamp(1767225600 + off + pos * 60) AS received_at,
  'https://shop.test/p' || pos::VARCHAR AS url,
  'shop.test' AS host,
  CASE WHEN pos = 0 THEN CASE WHEN mix < 15 THEN 'google.com' WHEN mix < 25 THEN 'facebook.com' WHEN mix < 30 THEN 'news.example' END ELSE 'shop.test' END AS referrer_domain,
  CASE WHEN pos = 0 THEN CASE WHEN mix BETWEEN 30 AND 44 THEN 'google' WHEN mix BETWEEN 45 AND 54 THEN 'newsletter' WHEN mix BETWEEN 55 AND 64 THEN 'facebook' WHEN mix BETWEEN 65 AND 69 THEN 'bing' END END AS utm_source,
  CASE WHEN pos = 0 THEN CASE WHEN mix BETWEEN 30 AND 44 THEN 'cpc' WHEN mix BETWEEN 45 AND 54 THEN 'email' WHEN mix BETWEEN 55 AND 64 THEN 'paid_social' WHEN mix BETWEEN 65 AND 69 THEN 'cpc' END END AS utm_medium,
  CASE WHEN pos = 0 AND mix BETWEEN 30 AND 69 THEN 'spring-' || ((r // 1000) % 5)::VARCHAR END AS utm_campaign,
  CASE WHEN pos = 0 AND mix BETWEEN 70 AND 79 THEN 'gclid' WHEN pos = 0 AND mix BETWEEN 80 AND 84 THEN 'li_fat_id' END AS click_id_type,
  CASE WHEN pos = 0 AND mix BETWEEN 70 AND 84 THEN 'c' || s::VARCHAR END AS click_id,
  CASE WHEN pos = 0 AND mix BETWEEN 70 AND 79 THEN 'c' || s::VARCHAR END AS gclid,
  CASE WHEN pos = 0 AND mix BETWEEN 80 AND 84 THEN 'c' || s::VARCHAR END AS li_fat_id,
  false AS is_bot,
  CASE WHEN pos = 3 AND r % 10 < 4 THEN '{"value": ' || (10 + (r // 7) % 200)::VARCHAR || '.5, "currency": "USD"}' END AS properties
FROM s2`;
}

/** Writes `events` synthetic events (and their identity links) into a migrated, empty DuckDB warehouse. */
export async function generateDuckDBData(w: Warehouse, events: number): Promise<SyntheticData> {
  const cols = COLUMNS.map(quoteIdent).join(', ');
  await w.query(`INSERT INTO events (${cols}) ${eventsSelect(events)}`, { readOnly: false });
  await w.query(
    `INSERT INTO identities (kind, anonymous_id, user_id, previous_id, source_id, first_seen, message_id)
     SELECT 'event', anonymous_id, user_id, NULL, 'src_bench', min("timestamp"), arg_min(message_id, "timestamp")
     FROM events WHERE user_id IS NOT NULL GROUP BY anonymous_id, user_id`,
    { readOnly: false },
  );
  return describeData(w);
}

/** The size of the synthetic data in a warehouse (a fresh one, or one kept from an earlier run). */
export async function describeData(w: Warehouse): Promise<SyntheticData> {
  const [n, c, p] = (await w.query(`SELECT count(*), count(*) FILTER (WHERE event = 'Order Completed'), count(DISTINCT coalesce(user_id, anonymous_id)) FROM events`)).rows[0] ?? [];
  return { events: Number(n), conversions: Number(c), people: Number(p) };
}

/** Streams a file as the body of an INSERT to ClickHouse's HTTP interface. */
function postFile(url: string, query: string, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    u.searchParams.set('query', query);
    // Wide rows spread over many monthly partitions: insert in blocks small enough for the
    // server's per-query memory limit (18.16 forms one block per 1M rows by default).
    u.searchParams.set('max_insert_block_size', '65536');
    u.searchParams.set('min_insert_block_size_rows', '65536');
    const req = request(u, { method: 'POST' }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`ClickHouse answered ${res.statusCode}: ${body}`))));
    });
    req.on('error', reject);
    createReadStream(file).pipe(req);
  });
}

/** Where the copy goes: a server's HTTP interface, or (chDB, in process) a function that loads a file into a table. */
export interface ClickHouseTarget {
  readonly url: string;
  readonly database: string;
  readonly isoTimestamps: boolean;
  readonly insertFile?: (table: string, columns: readonly string[], file: string) => Promise<void>;
}

const insertStatement = (database: string, table: string, columns: readonly string[]) =>
  `INSERT INTO ${clickhouseQuoteIdent(database)}.${clickhouseQuoteIdent(table)} (${columns.map(clickhouseQuoteIdent).join(', ')}) FORMAT TabSeparated`;

/**
 * Copies the DuckDB warehouse's events and identity links into ClickHouse's store tables, as the
 * loader would have written them (timestamps in the server's flavor), through TabSeparated files:
 * the same data on both engines, row for row. The warehouse has no file access (its analyst SQL
 * must not write files), so the copy opens the closed warehouse's file with a DuckDB of its own.
 */
export async function copyToClickHouse(duckdbPath: string, ch: ClickHouseTarget, dir: string): Promise<void> {
  const load = ch.insertFile ?? ((table: string, columns: readonly string[], file: string) => postFile(ch.url, insertStatement(ch.database, table, columns), file));
  const duck = await DuckDBInstance.create(duckdbPath, { access_mode: 'READ_ONLY' });
  const conn = await duck.connect();
  try {
    await conn.run(`SET TimeZone = 'UTC'`);
    const ts = (c: string) => (ch.isoTimestamps ? `strftime(${c}, '%Y-%m-%dT%H:%M:%S.%gZ')` : `strftime(${c}, '%Y-%m-%d %H:%M:%S.%g')`);
    const tsv = (select: string, file: string) =>
      conn.run(`COPY (${select}) TO ${duckdbLiteral(file)} (FORMAT CSV, DELIMITER '\t', HEADER false, QUOTE '', ESCAPE '', NULL '\\N')`);
    const evCols = COLUMNS.map((c) => (c === 'timestamp' || c === 'received_at' ? `${ts(quoteIdent(c))} AS ${quoteIdent(c)}` : c === 'is_bot' ? '0 AS is_bot' : quoteIdent(c)));
    await tsv(`SELECT ${evCols.join(', ')}, (epoch_ms(received_at) // 86400000) * 86400000 AS dedup_bucket FROM events`, `${dir}/events.tsv`);
    await load('events_store', [...COLUMNS, 'dedup_bucket'], `${dir}/events.tsv`);
    await tsv(
      `SELECT kind, coalesce(anonymous_id, ''), coalesce(user_id, ''), coalesce(previous_id, ''), source_id, ${ts('first_seen')}, message_id,
         epoch_ms(first_seen), 9007199254740991 - epoch_ms(first_seen) FROM identities`,
      `${dir}/identities.tsv`,
    );
    await load('identities_store', ['kind', 'anonymous_id', 'user_id', 'previous_id', 'source_id', 'first_seen', 'message_id', 'first_seen_ms', 'version'], `${dir}/identities.tsv`);
  } finally {
    conn.closeSync();
    duck.closeSync();
  }
}
