import { startMicrosoftReportingStandIn, zipOneFile, type MicrosoftReportingStandIn, type MicrosoftReportingStandInOptions, type MicrosoftReportRow } from '@touchline/destinations/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { microsoftReportPage } from '../../src/spend/pull/microsoft-ads-report.js';
import { microsoftAdsSource } from '../../src/spend/pull/microsoft-ads-source.js';
import { unzipSingleFile } from '../../src/spend/pull/microsoft-ads-zip.js';
import type { SpendWindow } from '../../src/spend/pull/spend-source.js';
import { collectPages, pullFailure, sourceHarness } from './support/source-harness.js';

// Microsoft Advertising Reporting v13 against its contract stand-in (reporting-and-spend.md §B5):
// submit, poll Pending → Success / Error, a real ZIP from a pre-signed download host, fault 117
// throttling. The clock is manual; waits advance it.

const ACCOUNT = '180000001';
const CREDENTIALS = { 'developerToken': 'dev-token-0001', 'customerId': '1111111' };
const row = (campaignId: string, day: string, spend: string): MicrosoftReportRow => ({
  accountId: ACCOUNT, campaignId, campaignName: `Brand, "exact" ${campaignId}`, day, spend, impressions: 4210, clicks: 97, conversions: '3.50', revenue: '412.00', currency: 'EUR',
});
const ROWS = [row('5001', '2026-11-01', '1234.56'), row('5002', '2026-11-01', '0.10'), row('5001', '2026-11-02', '0.20'), row('5001', '2026-10-31', '9.99')];
const WINDOW: SpendWindow = { account: ACCOUNT, since: '2026-11-01', until: '2026-11-02' };

const harness = (token = 'test-token', credentials: Record<string, string> = CREDENTIALS) => sourceHarness(token, credentials);
const collect = collectPages;
const failure = pullFailure;

let standIn: MicrosoftReportingStandIn | undefined;
afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});


const start = (h: ReturnType<typeof harness>, over: Partial<MicrosoftReportingStandInOptions> = {}) =>
  startMicrosoftReportingStandIn({ clock: h.clock, accounts: [ACCOUNT], rows: ROWS, ...over });



describe('Microsoft Advertising spend source', () => {
  it('submits a daily report, polls it to Success and reads the zipped CSV with exact costs', async () => {
    const h = harness();
    standIn = await start(h);
    const pages = await collect(microsoftAdsSource(), WINDOW, h.ctx(standIn.url));
    expect(pages.flatMap((p) => p.rows).map((r) => [r.date, r.campaignId, r.costMicros, r.currency])).toEqual([
      ['2026-11-01', '5001', 1_234_560_000n, 'EUR'], ['2026-11-01', '5002', 100_000n, 'EUR'], ['2026-11-02', '5001', 200_000n, 'EUR'],
    ]);
    expect(pages[0]!.rows[0]).toMatchObject({ network: 'microsoft_ads', account: ACCOUNT, campaignName: 'Brand, "exact" 5001', impressions: 4210, clicks: 97, networkConversions: 3.5, networkConversionValue: 412 });
    expect(pages[0]!.campaigns.map((c) => [c.campaignId, c.status])).toEqual([['5001', 'ACTIVE'], ['5002', 'ACTIVE']]);
    // Two Pending polls, waited out on the clock; the submit carried TimePeriod (no Summary trap).
    expect(h.sleeps).toEqual([5_000, 7_500]);
    const [submit] = standIn.requests;
    expect(submit!.body).toMatchObject({ ReportRequest: { Aggregation: 'Daily', Scope: { AccountIds: [180000001] }, Columns: expect.arrayContaining(['TimePeriod', 'Spend', 'CurrencyCode']) } });
    expect(submit!.headers).toMatchObject({ developertoken: 'dev-token-0001', customerid: '1111111', customeraccountid: ACCOUNT, authorization: 'Bearer test-token' });
    // The pre-signed download got no token.
    expect(standIn.downloads).toHaveLength(1);
    expect(standIn.downloads[0]!.headers['authorization']).toBeUndefined();
  });

  it('waits out CallRateExceeded (fault 117) for a minute, then stops as throttled past the budget', async () => {
    const h = harness();
    standIn = await start(h, { pendingPolls: 0 });
    const throttle = { status: 400, body: { TrackingId: 't', Type: 'AdApiFaultDetail', Errors: [{ Code: 117, ErrorCode: 'CallRateExceeded', Message: 'You have exceeded the number of calls.' }] } };
    standIn.script(throttle);
    expect((await collect(microsoftAdsSource(), WINDOW, h.ctx(standIn.url))).flatMap((p) => p.rows)).toHaveLength(3);
    expect(h.sleeps).toHaveLength(1);
    expect(h.sleeps[0]).toBeGreaterThanOrEqual(60_000);
    standIn.script(...Array.from({ length: 5 }, () => throttle));
    expect((await failure(collect(microsoftAdsSource(), WINDOW, h.ctx(standIn.url)))).failure).toBe('throttled');
  });

  it('stops as auth on a dead token, as partial on a failed report job, and yields nothing for an empty one', async () => {
    const dead = harness('revoked');
    standIn = await start(dead);
    const e = await failure(collect(microsoftAdsSource(), WINDOW, dead.ctx(standIn.url)));
    expect([e.failure, e.message]).toEqual(['auth', expect.stringContaining('InvalidCredentials')]);
    await standIn.close();

    const h = harness();
    standIn = await start(h, { failJob: true });
    expect((await failure(collect(microsoftAdsSource(), WINDOW, h.ctx(standIn.url)))).failure).toBe('partial');
    await standIn.close();

    standIn = await start(h, { rows: [] });
    expect((await collect(microsoftAdsSource(), WINDOW, h.ctx(standIn.url))).flatMap((p) => p.rows)).toEqual([]);
    expect(standIn.downloads).toHaveLength(0);
  });

  it('refuses hostile ids and tokens before any request', async () => {
    const h = harness();
    standIn = await start(h);
    for (const account of ['180000001\r\nx-evil: 1', '-1', '99999999999999999999']) {
      expect((await failure(collect(microsoftAdsSource(), { ...WINDOW, account }, h.ctx(standIn.url)))).failure).toBe('refused');
    }
    for (const bad of [{ 'customerId': '1 OR 1' }, { 'developerToken': 'dev\r\nx-evil: 1' }, { 'developerToken': '' }, { 'reportTimeZone': 'UTC"}' }]) {
      const evil = harness('test-token', { ...CREDENTIALS, ...bad });
      expect((await failure(collect(microsoftAdsSource(), WINDOW, evil.ctx(standIn.url)))).failure).toBe('refused');
    }
    expect(standIn.requests).toHaveLength(0);
  });

  it('calls an unknown job status, a Summary report or a damaged ZIP a contract break', async () => {
    const h = harness();
    standIn = await start(h);
    standIn.script({ status: 200, body: { ReportRequestId: '1' } }, { status: 200, body: { ReportRequestStatus: { Status: 'Done', ReportDownloadUrl: null } } });
    expect((await failure(collect(microsoftAdsSource(), WINDOW, h.ctx(standIn.url)))).failure).toBe('contract');

    const summary = '\uFEFF"AccountId","CampaignId","CampaignName","Spend","CurrencyCode"\r\n"180000001","5001","Brand","1234.76","EUR"\r\n';
    expect(() => microsoftReportPage(summary, WINDOW, ACCOUNT)).toThrow(/TimePeriod/);

    const zip = zipOneFile('r.csv', Buffer.from('"TimePeriod"\r\n"2026-11-01"\r\n'));
    expect(unzipSingleFile(zip)).toMatchObject({ ok: true, name: 'r.csv' });
    const damaged = Buffer.from(zip);
    const inData = 31 + 'r.csv'.length; // past the 30-byte local header and the name
    damaged[inData] = damaged[inData]! ^ 0xff;
    expect(unzipSingleFile(damaged).ok).toBe(false);
    expect(unzipSingleFile(Buffer.from('PK not really')).ok).toBe(false);
  });
});
