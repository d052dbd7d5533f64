import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelRulesToSql, compileChannelRules, validateChannelRules, type ChannelSqlDialect } from '../src/index.js';

/**
 * `channelRulesToSql` used on its own, with a dialect written here: every string of the rules
 * becomes a positional parameter (`?`). If the compiler put any rule text into the SQL some other
 * way, the hostile values below would break the statement or change what it does. (The DuckDB
 * and ClickHouse dialects of Touchline's warehouses are tested with these rules in the server.)
 */
function bindingDialect(values: string[]): ChannelSqlDialect {
  const string = (v: string) => {
    values.push(v);
    return '?';
  };
  return {
    string,
    ruleField: (e) => `lower(coalesce(${e}, ''))`,
    regex: (e, p) => `regexp_matches(${e}, ${string(p)})`,
    hasSubstring: (e, s) => `contains(${e}, ${string(s)})`,
    hasPrefix: (e, s) => `starts_with(${e}, ${string(s)})`,
    hasSuffix: (e, s) => `ends_with(${e}, ${string(s)})`,
    false: 'false',
  };
}

// (NUL is refused by validateChannelRules itself.)
const HOSTILE = ["o'; DROP TABLE touches; --", 'a\\b', '$1 ?', 'ctl\u0001\u001f', 'line\u2028sep', '"quoted"', '%_'];

const RULES = validateChannelRules({
  rules: [
    ...HOSTILE.map((v, i) => ({ channel: `${v} channel ${i}`, when: { field: 'source', op: 'exact', value: v } })),
    { channel: 'In list', when: { field: 'medium', op: 'in', value: HOSTILE } },
    { channel: 'Contains', when: { field: 'campaign', op: 'contains', value: "'; --" } },
    { channel: 'Starts', when: { field: 'campaign', op: 'starts', value: '$1' } },
    { channel: 'Ends', when: { field: 'campaign', op: 'ends', value: '\\' } },
    { channel: 'Regex', when: { field: 'campaign', op: 'regex', value: "^x'y$" } },
  ],
  fallback: "'); DELETE FROM touches; --",
});

let db: DuckDBInstance;
let conn: DuckDBConnection;
const rows = [
  ...HOSTILE.map((v) => ({ source: v, medium: null, campaign: null })),
  ...HOSTILE.map((v) => ({ source: 'x', medium: v.toUpperCase(), campaign: null })),
  { source: 'x', medium: 'y', campaign: "a'; --b" },
  { source: 'x', medium: 'y', campaign: '$1abc' },
  { source: 'x', medium: 'y', campaign: 'ends\\' },
  { source: 'x', medium: 'y', campaign: "x'y" },
  { source: null, medium: null, campaign: null },
];

beforeAll(async () => {
  db = await DuckDBInstance.create(':memory:');
  conn = await db.connect();
  await conn.run('CREATE TABLE touches (id INTEGER, src VARCHAR, med VARCHAR, camp VARCHAR)');
  for (const [i, r] of rows.entries()) await conn.run('INSERT INTO touches VALUES ($1, $2, $3, $4)', [i, r.source, r.medium, r.campaign]);
});
afterAll(() => conn?.closeSync());

describe('channelRulesToSql with a dialect of its own', () => {
  it('sends every string of the rules through dialect.string, and labels hostile values as TypeScript does', async () => {
    if (!RULES.ok) throw new Error(JSON.stringify(RULES.problems));
    const values: string[] = [];
    const sql = channelRulesToSql(RULES.ruleSet, { dialect: bindingDialect(values), columns: { source: 'src', medium: 'med', campaign: 'camp' } });
    for (const v of HOSTILE) expect(sql).not.toContain(v);
    expect(values).toContain(RULES.ruleSet.fallback);
    const reader = await conn.runAndReadAll(`SELECT ${sql} AS channel FROM touches ORDER BY id`, values);
    const expected = rows.map(compileChannelRules(RULES.ruleSet));
    expect(new Set(expected).size).toBeGreaterThan(HOSTILE.length);
    expect(reader.getRowObjectsJS().map((r) => r['channel'])).toEqual(expected);
    expect((await conn.runAndReadAll('SELECT count(*)::INTEGER AS n FROM touches')).getRowObjectsJS()).toEqual([{ n: rows.length }]);
  });
});
