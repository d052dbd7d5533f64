import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRatesCsv, rateBook, readRates } from '../../src/spend/fx-rates.js';
import { importSpendCsv } from '../../src/spend/import-spend.js';
import type { SpendRow } from '../../src/spend/spend-row.js';
import { writeSpend } from '../../src/spend/write-spend.js';
import { lastPulledDay, PULL_LOAD_PREFIX } from '../../src/spend/pull/pull-state.js';
import { writeCampaigns } from '../../src/spend/campaigns.js';
import { spendForAttribution } from '../../src/attribute/attribution-spend.js';
import { formatCreditsCsv, formatCreditsTable } from '../../src/attribute/format-attribution.js';
import type { ModelSql } from '../../src/identity/model-views.js';
import { creditsWithSpend } from '../../src/attribute/format-spend.js';
import { runAttribution, type AttributeRequest } from '../../src/attribute/run-attribution.js';
import { modelSqlFor } from '../../src/identity/derived-model.js';
import { clickhouseSessionsSql, duckdbSessionsSql } from '../../src/identity/sessions-sql.js';
import { reportingCurrencyOf } from '../../src/spend/spend-by-level.js';
import { readCampaignDays, readTouchGroups } from '../../src/spend/spend-join.js';
import { unmatchedReport } from '../../src/spend/unmatched.js';
import { derivedHarness, order, page } from '../identity/derived-conformance.js';
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

    it('the last pulled day of an account comes from its pulls only (a CSV import of a later day is not a pull)', async () => {
      const w = fx.warehouse;
      expect(await lastPulledDay(w, 'google_ads', '1234567890')).toBeNull();
      const days = (dates: string[]) => dates.map((date) => ({ network: 'google_ads', account: '1234567890', date }));
      await writeSpend(w, [], { loadId: `${PULL_LOAD_PREFIX}google_ads-1`, nowMs: 1000, origin: 'pull:google_ads', days: days(['2026-10-30', '2026-10-31']) });
      await writeSpend(w, [spendRow({ network: 'google_ads', account: '1234567890', date: '2026-11-20', campaignId: 'x' })], { loadId: 'csv-1', nowMs: 2000, origin: 'csv:f' });
      await writeSpend(w, [], { loadId: `${PULL_LOAD_PREFIX}google_ads-2`, nowMs: 3000, origin: 'pull:google_ads', days: [{ network: 'google_ads', account: '9999999999', date: '2026-12-01' }] });
      expect(await lastPulledDay(w, 'google_ads', '1234567890')).toBe('2026-10-31');
      expect(await lastPulledDay(w, 'meta', '1234567890')).toBeNull();
    });

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

const at = (d: number, h = 10) => new Date(Date.UTC(2026, 0, d, h)).toISOString();
const GOOGLE_BRAND = 'https://shop.test/?utm_source=google&utm_medium=cpc&utm_campaign=Brand&utm_id=111&gclid=G';
const META_SPRING = 'https://shop.test/?utm_source=facebook&utm_medium=paid_social&utm_campaign=Spring_Sale';

/**
 * Synthetic journeys + spend, and cost / CPA / ROAS under first, last and linear computed here
 * by hand from the same facts: the join (by id, by name on the network's own sources only), the
 * currency conversion, and the credit the runner gives each row.
 */
export function describeSpendAttribution(engine: string, open: () => Promise<WarehouseFixture>): void {
  describe(`spend joined to attribution: ${engine}`, () => {
    const h = derivedHarness(open, { attribution: { reportingCurrency: 'EUR' } });
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'touchline-spend-attr-'));
      await h.load([
        // p1: Google (id join) then Meta (name join), buys 100.
        page('s1', 'p1', at(1), GOOGLE_BRAND + '1'),
        page('s2', 'p1', at(3), META_SPRING),
        order('o1', { anon: 'p1' }, at(4), 100),
        // p2: Meta, buys 50 the same day.
        page('s3', 'p2', at(2), META_SPRING),
        order('o2', { anon: 'p2' }, at(2, 12), 50),
        // p3: Google, buys nothing. p4: newsletter, buys 30 (no cost). p5: a paid TikTok landing no spend row covers.
        page('s4', 'p3', at(2), GOOGLE_BRAND + '3'),
        page('s5', 'p4', at(2), 'https://shop.test/?utm_source=newsletter&utm_medium=email&utm_campaign=Jan'),
        order('o4', { anon: 'p4' }, at(2, 12), 30),
        page('s6', 'p5', at(2), 'https://shop.test/?utm_source=tiktok&utm_medium=cpc&utm_campaign=nope'),
      ]);
      const spend = [
        // Named unlike its landings' utm_campaign: only the id can join it.
        spendRow({ network: 'google_ads', account: '123', date: '2026-01-01', campaignId: '111', campaignName: 'Brand Search EU', costMicros: 20_000_000n }),
        spendRow({ network: 'google_ads', account: '123', date: '2026-01-02', campaignId: '111', campaignName: 'Brand Search EU', costMicros: 10_000_000n }),
        // No id on its landings; its name joins, in USD at 0.9.
        spendRow({ network: 'meta', date: '2026-01-02', campaignId: '222', campaignName: 'Spring Sale', costMicros: 100_000_000n, currency: 'USD', networkConversions: 3 }),
        // "Brand" is a Google landing's campaign: a Meta campaign of that name must not take it.
        spendRow({ network: 'meta', date: '2026-01-02', campaignId: '444', campaignName: 'Brand', costMicros: 7_000_000n }),
        spendRow({ network: 'meta', date: '2026-01-03', campaignId: '333', campaignName: 'Ghost', costMicros: 5_000_000n }),
      ];
      await writeSpend(h.w, spend, { loadId: 'J1', nowMs: 1, origin: 'test' });
      const rates = join(dir, 'rates.csv');
      await writeFile(rates, 'date,from_currency,to_currency,rate\n2026-01-01,EUR,USD,1.25\n');
      await importRatesCsv(h.w, rates, 2);
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });
    const attribute = (req: AttributeRequest) => runAttribution(h.w, h.config, req, { sessionsFresh: () => h.model.sessionsFresh() });
    const sessionsOf = (b: ModelSql) => `(${h.w.engine === 'duckdb' ? duckdbSessionsSql(b.rules) : clickhouseSessionsSql(b.rules)})`;
    // What --with-spend adds to a run, without the run (the first test covers the whole of it).
    const spendOnly = (level: 'channel' | 'campaign', range: { since?: string; until?: string } = {}) =>
      spendForAttribution(h.w, modelSqlFor(h.w, h.config), h.config, { level, sessionsOf, ...range });

    it('prices every row under first, last and linear exactly as computed by hand', async () => {
      // By hand. Cost: Paid Search = 20 + 10 EUR; Paid Social = 100 USD ÷ 1.25 (EUR→USD) = 80 EUR; unmatched 7 + 5.
      const cost: Record<string, number> = { 'Paid Search': 30, 'Paid Social': 80, '(unmatched spend)': 12 };
      // Converting paths (channels in order) and their values; p4's Email path has no cost.
      const paths: [string[], number][] = [[['Paid Search', 'Paid Social'], 100], [['Paid Social'], 50], [['Email'], 30]];
      const credit = (pick: (p: string[]) => Record<string, number>) => {
        const c: Record<string, { conversions: number; value: number }> = {};
        for (const [p, v] of paths) for (const [k, w] of Object.entries(pick(p))) c[k] = { conversions: (c[k]?.conversions ?? 0) + w, value: (c[k]?.value ?? 0) + w * v };
        return c;
      };
      const expected: Record<string, Record<string, { conversions: number; value: number }>> = {
        first_touch: credit((p) => ({ [p[0]!]: 1 })),
        last_touch: credit((p) => ({ [p[p.length - 1]!]: 1 })),
        linear: credit((p) => Object.fromEntries(p.map((x) => [x, 1 / p.length]))),
      };
      const r = await attribute({ models: ['first_touch', 'last_touch', 'linear'], level: 'channel', withSpend: true, summaries: [] });
      expect(r.spend?.currency).toBe('EUR');
      for (const [k, v] of Object.entries(cost)) expect(r.spend?.cost[k]).toBeCloseTo(v, 9);
      expect(r.spend?.totalCost).toBeCloseTo(122, 9);
      expect(r.spend?.joined).toEqual({ campaignId: 30, campaignName: 80, unmatched: 12 });
      expect(r.spend?.networkConversions['Paid Social']).toBe(3);
      for (const m of r.models) {
        const rows = creditsWithSpend(m, r.spend!);
        for (const channel of ['Paid Search', 'Paid Social']) {
          const c = expected[m.model]![channel] ?? { conversions: 0, value: 0 };
          const got = rows[channel]!;
          expect(got.cost).toBeCloseTo(cost[channel]!, 9);
          if (c.conversions > 0) expect(got.cpa).toBeCloseTo(cost[channel]! / c.conversions, 9);
          else expect(got.cpa).toBeNull();
          expect(got.roas).toBeCloseTo(c.value / cost[channel]!, 9);
        }
        expect(rows['Email']).toMatchObject({ cost: null, cpa: null, roas: null });
        expect(rows['(unmatched spend)']).toMatchObject({ conversions: 0, cost: 12, cpa: null, roas: 0 });
      }
      const csv = formatCreditsCsv(r, { level: 'channel', spend: r.spend }, 'credits').split('\n');
      expect(csv[0]).toBe('model,channel,conversions,value,cost,cpa,roas,currency');
      expect(csv).toContain(`last_touch,Paid Social,2,150,80,40,${150 / 80},EUR`);
      const table = formatCreditsTable(r, { level: 'channel', spend: r.spend });
      expect(table).toContain('Cost (EUR; the same under every model)');
      expect(table).toMatch(/Note: 12\.00 EUR of spend matched no touch/);
    });

    it('at campaign level the cost lands on the landing campaign, whatever the network named it', async () => {
      const r = { spend: await spendOnly('campaign') };
      expect(r.spend?.cost['Brand']).toBeCloseTo(30, 9);
      expect(r.spend?.cost['Spring_Sale']).toBeCloseTo(80, 9);
      expect(r.spend?.cost['Brand Search EU']).toBeUndefined();
    });

    it('leaves out a day with no rate and says so; several currencies without a reporting currency is an error naming the key', async () => {
      await writeSpend(h.w, [spendRow({ network: 'meta', date: '2025-12-01', campaignId: '222', campaignName: 'Spring Sale', costMicros: 1_000_000n, currency: 'USD' })], { loadId: 'J2', nowMs: 3, origin: 'test' });
      const r = { spend: await spendOnly('channel') };
      expect(r.spend?.missingRates).toEqual({ USD: ['2025-12-01'] });
      expect(r.spend?.totalCost).toBeCloseTo(122, 9);
      expect(r.spend?.notes.join('\n')).toContain('USD spend on 1 day(s) (2025-12-01) is left out');
      // Days from since to before until, as conversions are counted.
      const inRange = { spend: await spendOnly('channel', { since: '2026-01-02', until: '2026-01-03' }) };
      expect(inRange.spend?.totalCost).toBeCloseTo(10 + 80 + 7, 9);
      const midday = { spend: await spendOnly('channel', { since: '2026-01-02T18:00:00Z', until: '2026-01-03T00:00:00.000Z' }) };
      expect(midday.spend?.totalCost).toBeCloseTo(10 + 80 + 7, 9);
      // Without a configured currency: the spend's one currency, else an error naming the key.
      const days = await readCampaignDays(h.w);
      expect(() => reportingCurrencyOf(undefined, days)).toThrow(/ad spend is in EUR, USD: set attribution.reportingCurrency/);
      expect(reportingCurrencyOf(undefined, days.filter((d) => d.currency === 'USD'))).toBe('USD');
    });

    it('reports the spend no touch matched and the paid touches no spend matched', async () => {
      const groups = await readTouchGroups(h.w, modelSqlFor(h.w, h.config), sessionsOf, () => 'campaign');
      const r = unmatchedReport(await readCampaignDays(h.w), groups);
      expect(r.spend.map((s) => [s.network, s.campaignId, s.cost, s.currency])).toEqual([['meta', '444', '7', 'EUR'], ['meta', '333', '5', 'EUR']]);
      expect(r.touches).toEqual([{ source: 'tiktok', medium: 'cpc', utmCampaign: 'nope', utmId: null, clickIdType: null, sessions: 1 }]);
    });

    it("labels auto-tagged Google clicks with GA4's channel from the campaign's metadata, on read (history re-labelled), and nothing else", async () => {
      await h.load([
        page('g1', 'g-pmax', at(20), 'https://shop.test/?gclid=Gp&utm_id=555'),
        page('g2', 'g-yt', at(20), 'https://shop.test/?gbraid=Gb&utm_id=556'),
        page('g3', 'g-search', at(20), 'https://shop.test/?wbraid=Gw&utm_id=557'),
        // Not auto-tagged by Google Ads: a hand-tagged Google landing, a Meta click, DV360's dclid.
        page('g4', 'g-manual', at(20), 'https://shop.test/?utm_source=google&utm_medium=cpc&utm_id=555'),
        page('g5', 'g-meta', at(20), 'https://shop.test/?fbclid=F&utm_source=google&utm_medium=cpc&utm_id=555'),
        page('g6', 'g-dv', at(20), 'https://shop.test/?dclid=D&utm_id=555'),
        // Google's own auto-tagged campaign id, no utm_id on the URL.
        page('g7', 'g-auto', at(20), 'https://shop.test/?gad_source=1&gad_campaignid=556&gclid=Gq'),
      ]);
      const channels = async () =>
        Object.fromEntries((await h.rows(`SELECT message_id, channel FROM sessions WHERE message_id IN ('g1', 'g2', 'g3', 'g4', 'g5', 'g6', 'g7')`)).map((r) => [r['message_id'], r['channel']]));
      const before = await channels();
      expect(before).toEqual({ g1: 'Paid Search', g2: 'Paid Search', g3: 'Paid Search', g4: 'Paid Search', g5: 'Paid Search', g6: 'Display', g7: 'Paid Search' });
      const meta = (campaignId: string, channelType: string | null, adNetworkType: string | null) => ({
        network: 'google_ads', account: '123', campaignId, campaignName: null, status: 'ENABLED', objective: null, channelType, adNetworkType,
      });
      await writeCampaigns(h.w, [meta('555', 'PERFORMANCE_MAX', null), meta('556', 'DEMAND_GEN', 'YOUTUBE'), meta('557', 'HOTEL', null)], 10);
      // The network type decides before the campaign type; a type GA4 has no rule for leaves the rules' label.
      expect(await channels()).toEqual({ g1: 'Cross-network', g2: 'Paid Video', g3: 'Paid Search', g4: 'Paid Search', g5: 'Paid Search', g6: 'Display', g7: 'Paid Video' });
      // Newer metadata wins, and re-labels the same history again.
      await writeCampaigns(h.w, [meta('555', 'SHOPPING', null)], 11);
      expect((await channels())['g1']).toBe('Paid Shopping');
    });
  });
}
