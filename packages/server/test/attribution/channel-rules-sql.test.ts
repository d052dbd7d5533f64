import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import {
  channelRulesToSql,
  compileChannelRules,
  GA4_CHANNEL_RULE_SET,
  GA4_SOURCE_CATEGORIES,
  seededRandom,
  validateChannelRules,
  type ChannelRuleSet,
} from '@touchline/attribution';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseWarehouse } from '../../src/warehouse/clickhouse/clickhouse-warehouse.js';
import { clickhouseDialect } from '../../src/warehouse/dialect/clickhouse-dialect.js';
import { DUCKDB_DIALECT } from '../../src/warehouse/dialect/duckdb-dialect.js';
import type { SqlParams } from '../../src/warehouse/warehouse.js';
import { ColumnType } from '../../src/warehouse/schema.js';
import { clickhouseSkipReason } from '../support/clickhouse-server.js';
import { privateClickHouseWarehouse, type DisposableWarehouse } from '../support/warehouses.js';

/**
 * `channelRulesToSql` of @touchline/attribution over the warehouses' own dialects: DuckDB's run in
 * a real DuckDB, ClickHouse's run through DuckDB stand-ins and on a real ClickHouse 18.16, both
 * with quoted literals (view definitions) and with bound parameters (statements).
 */
const DUCKDB = DUCKDB_DIALECT;
const CLICKHOUSE = clickhouseDialect({ jsonExtract: false, timestamps: 'iso-string' });

type Row = { source: string | null; medium: string | null; campaign: string | null };
const columns = { source: 'src', medium: 'med', campaign: 'camp' };

/** Sample touches: the documented GA4 cases, tricky strings, and seeded random combinations. */
function sampleRows(): Row[] {
  const rows: Row[] = [
    { source: 'google', medium: 'cpm', campaign: null },
    { source: 'unknown.example', medium: 'cpm', campaign: null },
    { source: 'facebook', medium: 'display', campaign: null },
    { source: 'partner', medium: 'cpc', campaign: 'workshop' },
    { source: 'partner', medium: 'cpc', campaign: 'eshop' },
    { source: 'email', medium: 'referral', campaign: null },
    { source: 'ebay', medium: 'referral', campaign: null },
    { source: 'duckduckgo', medium: 'referral', campaign: null },
    { source: 'google', medium: 'cpc', campaign: '(not set)' },
    { source: 'l.facebook.com', medium: 'referral', campaign: '(referral)' },
    { source: '(direct)', medium: '(none)', campaign: '(direct)' },
    { source: null, medium: null, campaign: null },
    { source: 'Google Shopping', medium: 'Paid-Social', campaign: 'Cross-Network Q3' },
    { source: "o'reilly", medium: 'a\\b', campaign: 'x%y_z' },
    { source: 'ÉCOLE.fr', medium: 'Référence', campaign: 'SHOP' },
    { source: 'partner', medium: 'web-push', campaign: '' },
    { source: 'app', medium: 'mobile-notification', campaign: null },
  ];
  const random = seededRandom(42);
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)] as T;
  const sources = [...Object.values(GA4_SOURCE_CATEGORIES).flat(), 'email', 'e mail', 'sms', 'firebase', 'newsletter', '(direct)', 'partner.io', 'Partner-A.com'];
  const mediums = ['cpc', 'CPC', 'ppc', 'paid', 'paidsearch', 'retargeting', 'cpm', 'display', 'banner', 'expandable', 'interstitial', 'organic', 'referral', 'app', 'link', 'email', 'e-mail', 'affiliate', 'audio', 'sms', 'push', 'mobile', 'notification', 'social', 'sm', 'social network', 'video', 'webinar-video', '(none)', '(not set)', '', 'newsletter'];
  const campaigns = ['', 'spring', 'workshop', 'eshop', 'shopping-week', 'shop', '2shop', 'cross-network', 'brand_q3', 'BRAND-x', '(not set)'];
  for (let i = 0; i < 1500; i++) rows.push({ source: pick(sources), medium: pick(mediums), campaign: random() < 0.1 ? null : pick(campaigns) });
  return rows;
}

// A custom set that exercises every operator and the escaping of quotes, backslashes and RE2 metacharacters.
const CUSTOM = validateChannelRules({
  rules: [
    { channel: "O'Reilly \\ Books", when: { field: 'source', op: 'exact', value: "O'Reilly" } },
    { channel: 'Backslash', when: { field: 'medium', op: 'contains', value: 'a\\b' } },
    { channel: 'Percent', when: { field: 'campaign', op: 'starts', value: 'x%y_' } },
    { channel: 'Dotted', when: { field: 'source', op: 'ends', value: '.io' } },
    { channel: 'Partners', when: { field: 'source_category', op: 'in', value: ['PARTNERS'] } },
    { channel: 'Brand', when: { all: [{ field: 'campaign', op: 'regex', value: '^brand[-_]' }, { not: { field: 'medium', op: 'in', value: ['email'] } }] } },
    { channel: 'Digits', when: { field: 'campaign', op: 'regex', value: '\\d+shop' } },
    { channel: 'Accented', when: { field: 'medium', op: 'exact', value: 'RÉFÉRENCE' } },
    { include: 'ga4' },
  ],
  sourceCategories: { PARTNERS: ['Partner-A.com'] },
  fallback: "Nobody's",
});

let db: DuckDBInstance;
let conn: DuckDBConnection;
const rows = sampleRows();

beforeAll(async () => {
  db = await DuckDBInstance.create(':memory:');
  conn = await db.connect();
  await conn.run('CREATE TABLE touches (id INTEGER, src VARCHAR, med VARCHAR, camp VARCHAR)');
  const insert = await conn.prepare('INSERT INTO touches VALUES ($1, $2, $3, $4)');
  for (const [i, r] of rows.entries()) {
    insert.bind([i, r.source, r.medium, r.campaign]);
    await insert.run();
  }
  // Stand-ins for the ClickHouse functions, so the ClickHouse text can run here too.
  await conn.run('CREATE MACRO lowerutf8(s) AS lower(s)');
  await conn.run('CREATE MACRO match(s, p) AS regexp_matches(s, p)');
});
afterAll(() => {
  conn?.closeSync();
});

async function labels(caseSql: string, params?: SqlParams): Promise<string[]> {
  const reader = await conn.runAndReadAll(`SELECT ${caseSql} AS channel FROM touches ORDER BY id`, params as Record<string, string>);
  return reader.getRowObjectsJS().map((r) => String(r['channel']));
}

/** ClickHouse string literals use backslash escapes; DuckDB reads the same escapes in E'…' strings. */
function clickhouseForDuckDb(sql: string): string {
  let out = '';
  for (let i = 0; i < sql.length; i++) {
    if (sql[i] !== "'") {
      out += sql[i];
      continue;
    }
    let j = i + 1;
    while (j < sql.length && sql[j] !== "'") j += sql[j] === '\\' ? 2 : 1;
    out += `E${sql.slice(i, j + 1)}`;
    i = j;
  }
  return out.replace(/\bposition\(/g, 'strpos(');
}

describe('channel rules compiled to SQL', () => {
  const sets: [string, ChannelRuleSet][] = [['GA4 default', GA4_CHANNEL_RULE_SET]];
  if (CUSTOM.ok) sets.push(['custom with escapes', CUSTOM.ruleSet]);

  it('the custom rule set is valid', () => expect(CUSTOM.ok).toBe(true));

  for (const [name, ruleSet] of sets) {
    it(`DuckDB labels every sample touch exactly as TypeScript does (${name})`, async () => {
      const expected = rows.map(compileChannelRules(ruleSet));
      const sql = channelRulesToSql(ruleSet, { dialect: DUCKDB, columns });
      const got = await labels(sql);
      expect(new Set(expected).size).toBeGreaterThan(name === 'GA4 default' ? 15 : 8);
      expect(got).toEqual(expected);
    });

    it(`the ClickHouse text, run through DuckDB stand-ins, labels them the same (${name})`, async () => {
      const expected = rows.map(compileChannelRules(ruleSet));
      const sql = channelRulesToSql(ruleSet, { dialect: CLICKHOUSE, columns });
      expect(await labels(clickhouseForDuckDb(sql))).toEqual(expected);
    });

    it(`with bound parameters, no rule text is in the SQL and DuckDB labels them the same (${name})`, async () => {
      const expected = rows.map(compileChannelRules(ruleSet));
      const bound = DUCKDB.binding();
      const sql = channelRulesToSql(ruleSet, { dialect: bound, columns });
      // Every channel name, source and pattern went through dialect.string: the text holds no
      // literal but the dialect's own '' (NULL read as empty).
      expect(sql.replaceAll(`coalesce(src, '')`, '').replaceAll(`coalesce(med, '')`, '').replaceAll(`coalesce(camp, '')`, '')).not.toMatch(/'/);
      expect(Object.keys(bound.params).length).toBeGreaterThan(ruleSet.rules.length);
      expect(await labels(sql, bound.params)).toEqual(expected);
    });
  }

  it('ClickHouse SQL uses only functions ClickHouse 18.16 has', () => {
    if (!CUSTOM.ok) throw new Error('custom rule set invalid');
    for (const rs of [GA4_CHANNEL_RULE_SET, CUSTOM.ruleSet]) {
      const sql = channelRulesToSql(rs, { dialect: CLICKHOUSE, columns });
      const withoutStrings = sql.replace(/'(?:[^'\\]|\\.)*'/g, "''");
      const functions = new Set([...withoutStrings.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\(/g)].map((m) => m[1]));
      expect([...functions].sort()).toEqual(['ifNull', 'lowerUTF8', 'match', 'position'].filter((f) => functions.has(f)));
      expect(functions.has('match') && functions.has('lowerUTF8')).toBe(true);
      expect(withoutStrings).not.toMatch(/regexp_matches|starts_with|ends_with|coalesce|contains\(/);
    }
  });

  it('escapes strings for each dialect', () => {
    if (!CUSTOM.ok) throw new Error('custom rule set invalid');
    const duck = channelRulesToSql(CUSTOM.ruleSet, { dialect: DUCKDB, columns });
    const click = channelRulesToSql(CUSTOM.ruleSet, { dialect: CLICKHOUSE, columns });
    expect(duck).toContain(`lower(coalesce(src, '')) = 'o''reilly' THEN 'O''Reilly \\ Books'`);
    expect(click).toContain(`lowerUTF8(ifNull(src, '')) = 'o\\'reilly' THEN 'O\\'Reilly \\\\ Books'`);
    expect(duck).toContain(`contains(lower(coalesce(med, '')), 'a\\b')`);
    expect(click).toContain(`(position(lowerUTF8(ifNull(med, '')), 'a\\\\b') > 0)`);
    expect(click).toContain(`match(lowerUTF8(ifNull(src, '')), '\\\\.io$')`);
    expect(click).toContain(`match(lowerUTF8(ifNull(camp, '')), '(?i)\\\\d+shop')`);
    expect(click).toContain(`ELSE 'Nobody\\'s'`);
    expect(duck).toContain(`ELSE 'Nobody''s'`);
  });

  it("compiles source categories to IN lists of Google's sources", () => {
    const sql = channelRulesToSql(GA4_CHANNEL_RULE_SET, { dialect: DUCKDB, columns });
    expect(sql).toMatch(/lower\(coalesce\(src, ''\)\) IN \('360\.cn', 'alice', 'aol',/);
    expect(sql).toContain("'google shopping'");
    expect(sql.startsWith('CASE\n  WHEN ')).toBe(true);
    expect(sql.endsWith("ELSE 'Unassigned'\nEND")).toBe(true);
  });
});

describe.skipIf(clickhouseSkipReason() !== null)('channel rules on a real ClickHouse', () => {
  let fx: DisposableWarehouse<ClickHouseWarehouse>;
  beforeAll(async () => {
    fx = await privateClickHouseWarehouse('touchline_channels');
    const w = fx.warehouse;
    await w.query(`CREATE TABLE touches (id Int64, src Nullable(String), med Nullable(String), camp Nullable(String)) ENGINE = Memory`, { readOnly: false });
    const cols = [
      { name: 'id', type: ColumnType.Int },
      { name: 'src', type: ColumnType.String },
      { name: 'med', type: ColumnType.String },
      { name: 'camp', type: ColumnType.String },
    ];
    await w.insertRows('touches', cols, rows.map((r, i) => [i, r.source, r.medium, r.campaign]));
  });
  afterAll(async () => {
    await fx?.dispose();
  });

  const sets: [string, ChannelRuleSet][] = [['GA4 default', GA4_CHANNEL_RULE_SET]];
  if (CUSTOM.ok) sets.push(['custom with escapes', CUSTOM.ruleSet]);
  for (const [name, ruleSet] of sets) {
    it(`labels every sample touch exactly as TypeScript does, quoted and bound (${name})`, async () => {
      const expected = rows.map(compileChannelRules(ruleSet));
      const w = fx.warehouse;
      const quoted = await w.query(`SELECT ${channelRulesToSql(ruleSet, { dialect: w.dialect, columns })} AS channel FROM touches ORDER BY id`);
      expect(quoted.rows.map((r) => r[0])).toEqual(expected);
      const bound = w.dialect.binding();
      const sql = `SELECT ${channelRulesToSql(ruleSet, { dialect: bound, columns })} AS channel FROM touches ORDER BY id`;
      expect((await w.query(sql, { params: bound.params })).rows.map((r) => r[0])).toEqual(expected);
    });
  }
});
