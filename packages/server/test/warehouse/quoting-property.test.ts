import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wellFormed } from '../../src/warehouse/dialect/well-formed.js';
import { ColumnType } from '../../src/warehouse/schema.js';
import type { Warehouse } from '../../src/warehouse/warehouse.js';
import { chdbWarehouse, loadChdb } from '../support/chdb.js';
import { clickhouseSkipReason } from '../support/clickhouse-server.js';
import { hostileText } from '../support/hostile-text.js';
import { privateClickHouseWarehouse, tempDuckDBWarehouse, type DisposableWarehouse } from '../support/warehouses.js';

/**
 * The one quoting function of each engine, its identifier quoting, its bound parameters and its
 * bulk insert, against arbitrary text (NUL, quotes, backslashes, placeholders, comment openers,
 * lone surrogates, U+2028/2029, 10 KB): each returns the input byte for byte. Text reads back as
 * UTF-8 holds it: a lone surrogate, which has no UTF-8 form, as U+FFFD (`wellFormed`).
 */
function quotingProperties(name: string, open: () => Promise<DisposableWarehouse>, runs: number): void {
  describe(`quoting and binding: ${name}`, () => {
    let fx: DisposableWarehouse;
    let w: Warehouse;
    beforeAll(async () => {
      fx = await open();
      w = fx.warehouse;
      await w.migrate();
    });
    afterAll(async () => {
      await fx?.dispose();
    });
    const check = (property: (s: string) => Promise<void>, numRuns = runs) =>
      fc.assert(fc.asyncProperty(hostileText, property), { numRuns });
    // Generous: a failure shrinks 10 KB counterexamples, one query per step.
    const T = 300_000;

    it('SELECT <literal> returns the text', () =>
      check(async (s) => {
        const r = await w.query(`SELECT ${w.dialect.literal(s)} AS v`);
        expect(r.rows).toEqual([[wellFormed(s)]]);
      }), T);

    it('a bound parameter returns the text', () =>
      check(async (s) => {
        const r = await w.query('SELECT $v AS v, $v AS again', { params: { v: s } });
        expect(r.rows).toEqual([[wellFormed(s), wellFormed(s)]]);
      }), T);

    it('a quoted identifier comes back as the column alias, or is refused with a reason', () =>
      check(async (s) => {
        if (s === '' || (w.engine === 'duckdb' && s.includes('\0'))) {
          expect(() => w.dialect.quoteIdent(s)).toThrow(RangeError);
          return;
        }
        if (w.engine === 'clickhouse' && w.dialect.quoteIdent(s).includes('\\')) {
          // The analyst path refuses a backslash in a quoted name: 18.16 and current releases read it differently.
          await expect(w.query(`SELECT 1 AS ${w.dialect.quoteIdent(s)}`)).rejects.toThrow(/backslashes in quoted names are not accepted/);
          return;
        }
        const r = await w.query(`SELECT 1 AS ${w.dialect.quoteIdent(s)}`);
        expect(r.columns).toEqual([wellFormed(s)]);
      }), T);

    it('a literal in a view definition reads back as the text', () =>
      check(async (s) => {
        // (ClickHouse 18.16 drops a view with DROP TABLE.)
        await w.query(w.engine === 'duckdb' ? 'DROP VIEW IF EXISTS _tl_quoting' : 'DROP TABLE IF EXISTS _tl_quoting', { readOnly: false });
        await w.query(`CREATE VIEW _tl_quoting AS SELECT ${w.dialect.literal(s)} AS v`, { readOnly: false });
        expect((await w.query('SELECT v FROM _tl_quoting')).rows).toEqual([[wellFormed(s)]]);
      }, Math.ceil(runs / 4)), T);

    it('bulk-inserted text reads back as the text', () =>
      check(async (s) => {
        const run = `quoting-${Math.random().toString(36).slice(2)}`;
        const cols = [
          { name: 'run_id', type: ColumnType.String },
          { name: 'pk', type: ColumnType.String },
          { name: 'reason', type: ColumnType.String },
          { name: 'result_id', type: ColumnType.String },
        ];
        await w.insertRows('sync_row_results', cols, [[run, s, s, 'r']]);
        const r = await w.query('SELECT pk, reason FROM sync_row_results WHERE run_id = $run', { params: { run } });
        expect(r.rows).toEqual([[wellFormed(s), wellFormed(s)]]);
      }, Math.ceil(runs / 4)), T);
  });
}

quotingProperties('duckdb', () => tempDuckDBWarehouse('touchline-quoting'), 300);

describe.skipIf(clickhouseSkipReason() !== null)('clickhouse 18.16', () => {
  quotingProperties('clickhouse (server)', () => privateClickHouseWarehouse('touchline_quoting'), 200);
});

const chdb = await loadChdb('quoting properties on a current ClickHouse');
describe.skipIf(chdb === null)('clickhouse, current release (chDB)', () => {
  quotingProperties('clickhouse (current release, chDB)', () => chdbWarehouse(chdb!, 'touchline_quoting'), 200);
});
