import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRatesCsv, rateBook, readRates } from '../../src/spend/fx-rates.js';
import { importSpendCsv } from '../../src/spend/import-spend.js';
import type { SpendRow } from '../../src/spend/spend-row.js';
import { writeSpend } from '../../src/spend/write-spend.js';
import type { WarehouseFixture } from '../warehouse/conformance.js';
import { SPECIAL_TEXT } from '../support/hostile-text.js';

export const spendRow = (over: Partial<SpendRow> & Pick<SpendRow, 'date' | 'campaignId'>): SpendRow => ({
  network: 'meta', account: 'act_1', campaignName: null, adGroupId: '', adGroupName: null, costMicros: 1_000_000n, currency: 'EUR',
  impressions: null, clicks: null, networkConversions: null, networkConversionValue: null, ...over,
});

/** The store: replace per (network, account, date), exact cost, hostile text kept byte for byte, the CSV import. */
export function describeSpendStore(engine: string, open: () => Promise<WarehouseFixture>): void {
  describe(`spend store: ${engine}`, () => {
    let fx: WarehouseFixture;
    let dir: string;
    beforeAll(async () => {
      fx = await open();
      await fx.warehouse.migrate();
      dir = await mkdtemp(join(tmpdir(), 'touchline-spend-'));
    });
    afterAll(async () => {
      await fx?.dispose();
      await rm(dir, { recursive: true, force: true });
    });
    const rows = async (sql: string) => {
      const r = await fx.warehouse.query(sql);
      return r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i]])));
    };
    const day = (network: string, date: string) =>
      rows(`SELECT campaign_id, cost_micros FROM ad_spend WHERE network = '${network}' AND date = '${date}' ORDER BY campaign_id`);

    it('a re-load of a day replaces that day whole (a campaign missing from the restatement is gone), other days and accounts stay', async () => {
      const w = fx.warehouse;
      await writeSpend(w, [spendRow({ date: '2026-11-01', campaignId: 'a' }), spendRow({ date: '2026-11-01', campaignId: 'b' }), spendRow({ date: '2026-11-02', campaignId: 'a' })], { loadId: 'L1', nowMs: 1000, origin: 't' });
      await writeSpend(w, [spendRow({ date: '2026-11-01', campaignId: 'a', account: 'act_2', costMicros: 7n })], { loadId: 'L1b', nowMs: 1500, origin: 't' });
      // The network restates Nov 1: campaign b no longer spent, a cost more.
      await writeSpend(w, [spendRow({ date: '2026-11-01', campaignId: 'a', costMicros: 2_500_000n })], { loadId: 'L2', nowMs: 2000, origin: 't' });
      const nov1 = await rows(`SELECT account, campaign_id, cost_micros FROM ad_spend WHERE network = 'meta' AND date = '2026-11-01' ORDER BY account, campaign_id`);
      expect(nov1).toEqual([{ account: 'act_1', campaign_id: 'a', cost_micros: 2_500_000 }, { account: 'act_2', campaign_id: 'a', cost_micros: 7 }]);
      expect(await day('meta', '2026-11-02')).toEqual([{ campaign_id: 'a', cost_micros: 1_000_000 }]);
      // The same load again (a retried pull) changes nothing.
      await writeSpend(w, [spendRow({ date: '2026-11-01', campaignId: 'a', costMicros: 2_500_000n })], { loadId: 'L3', nowMs: 3000, origin: 't' });
      expect(await rows(`SELECT sum(cost_micros) AS c, count(*) AS n FROM ad_spend WHERE network = 'meta' AND account = 'act_1'`)).toEqual([{ c: 3_500_000, n: 2 }]);
      // A pull that covers a day with no rows empties it.
      await writeSpend(w, [], { loadId: 'L4', nowMs: 4000, origin: 't', days: [{ network: 'meta', account: 'act_1', date: '2026-11-02' }] });
      expect(await day('meta', '2026-11-02')).toEqual([]);
    });

    it('keeps hostile names byte for byte and costs beyond 2^53 micros exact', async () => {
      const big = 9_007_199_254_740_993n; // 2^53 + 1
      const hostile = SPECIAL_TEXT.slice(0, 12);
      await writeSpend(fx.warehouse, hostile.map((s, i) => spendRow({ network: 'hostile', date: '2026-10-01', campaignId: `h${String(i).padStart(2, '0')}`, campaignName: s, costMicros: i === 0 ? big : 1n })), { loadId: 'H', nowMs: 5000, origin: 't' });
      const got = await rows(`SELECT campaign_id, campaign_name, CAST(cost_micros AS VARCHAR) AS c FROM ad_spend WHERE network = 'hostile' ORDER BY campaign_id`.replace('VARCHAR', engine === 'clickhouse' ? 'String' : 'VARCHAR'));
      expect(got.map((r) => r['campaign_name'])).toEqual(hostile);
      expect(got[0]!['c']).toBe(big.toString());
    });

    it('imports a CSV: bad rows named by line, a day with a bad row kept as it was, the good days replaced', async () => {
      await writeSpend(fx.warehouse, [spendRow({ network: 'tiktok', account: 'adv', date: '2026-11-05', campaignId: 'keep', costMicros: 42n })], { loadId: 'T0', nowMs: 6000, origin: 't' });
      const file = join(dir, 'spend.csv');
      await writeFile(
        file,
        [
          'Date,Network,Account,Campaign_ID,Campaign_Name,Cost,Currency,Impressions,Clicks,Conversions,colour',
          '2026-11-04,tiktok,adv,170001,"Spark, US",55.10,usd,20011,233,4,x',
          '2026-11-04,tiktok,adv,170002,Other,0.1,USD,,,,',
          '2026-11-05,tiktok,adv,170001,Spark US,12.5,USD,10,1,,',
          '2026-11-05,tiktok,adv,170003,Bad,€12,USD,10,1.5,,',
        ].join('\n'),
      );
      const r = await importSpendCsv(fx.warehouse, file, { loadId: 'T1', nowMs: 7000 });
      expect(r).toMatchObject({ read: 4, written: 2, days: 1, heldBack: 1, refused: null, unknownHeaders: ['colour'] });
      expect(r.problems).toEqual([{ line: 5, day: { network: 'tiktok', account: 'adv', date: '2026-11-05' }, reasons: [expect.stringContaining('cost: "€12"'), 'clicks: "1.5" is not a whole number ≥ 0'] }]);
      expect(await day('tiktok', '2026-11-04')).toEqual([{ campaign_id: '170001', cost_micros: 55_100_000 }, { campaign_id: '170002', cost_micros: 100_000 }]);
      expect(await day('tiktok', '2026-11-05')).toEqual([{ campaign_id: 'keep', cost_micros: 42 }]);
      const names = await rows(`SELECT campaign_name, currency, impressions FROM ad_spend WHERE campaign_id = '170001'`);
      expect(names).toEqual([{ campaign_name: 'Spark, US', currency: 'USD', impressions: 20011 }]);
    });

    it('refuses the whole file when a bad row cannot be placed on a day (it could belong to any)', async () => {
      const file = join(dir, 'undated.csv');
      await writeFile(file, ['date,network,campaign_id,cost,currency', '2026-11-06,linkedin,1,1,EUR', '11/06/2026,linkedin,2,1,EUR', '2026-02-30,linkedin,3,1,EUR'].join('\n'));
      const r = await importSpendCsv(fx.warehouse, file, { loadId: 'U1', nowMs: 8000 });
      expect(r.written).toBe(0);
      expect(r.refused).toContain('line(s) 3, 4');
      expect(r.problems.map((p) => p.reasons[0])).toEqual(['date: "11/06/2026" is not a day written YYYY-MM-DD', 'date: "2026-02-30" is not a day written YYYY-MM-DD']);
      expect(await rows(`SELECT count(*) AS n FROM ad_spend WHERE network = 'linkedin'`)).toEqual([{ n: 0 }]);
    });

    it('imports daily rates (a re-import replaces a day), bad lines named, and converts with the latest rate up to 7 days old', async () => {
      const file = join(dir, 'rates.csv');
      await writeFile(file, ['date,from_currency,to_currency,rate', '2026-11-02,USD,EUR,0.9', '2026-11-03,USD,EUR,-1', '2026-11-02,GBP,EUR,1.2'].join('\n'));
      expect(await importRatesCsv(fx.warehouse, file, 9000)).toEqual({ written: 2, problems: [{ line: 3, reasons: ['rate: "-1" is not a number > 0'] }] });
      await writeFile(file, ['date,from_currency,to_currency,rate', '2026-11-02,USD,EUR,0.92'].join('\n'));
      await importRatesCsv(fx.warehouse, file, 10_000);
      const book = rateBook(await readRates(fx.warehouse));
      expect(book.rate('2026-11-02', 'USD', 'EUR')).toBe(0.92);
      expect(book.rate('2026-11-09', 'USD', 'EUR')).toBe(0.92);
      expect(book.rate('2026-11-10', 'USD', 'EUR')).toBeNull();
      expect(book.rate('2026-11-01', 'USD', 'EUR')).toBeNull();
      expect(book.rate('2026-11-02', 'EUR', 'GBP')).toBeCloseTo(1 / 1.2, 12);
      expect(book.rate('2026-11-02', 'EUR', 'EUR')).toBe(1);
    });
  });
}
