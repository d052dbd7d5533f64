/**
 * Mobile attribution postbacks as touches: AppsFlyer's Push API and Branch's webhooks, in the
 * shapes their docs publish, authenticated by a server-side source's write key and deduplicated;
 * and the journey they exist for — a mobile install from a TikTok campaign, a sign-in in the app,
 * later a web purchase after an identify: the person's first touch is the mobile campaign, on
 * DuckDB and on ClickHouse (Debian's server; skipped with the reason when it is not installed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickhouseSkipReason, startClickHouseServer, type ClickHouseTestServer } from '../support/clickhouse-server.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
let serverKey: string;
beforeAll(async () => {
  h = await startHarness({}, { listen: true });
  // postbacks come from the providers' servers: their secret is a source kept out of every page
  serverKey = (await h.sources.create('mobile-postbacks')).writeKey;
});
afterAll(async () => {
  await h?.dispose();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${h.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

/** An AppsFlyer Push API install message (fields as AppsFlyer's Push API / raw-data docs name them). */
const appsflyerInstall = (afId: string, over: Record<string, unknown> = {}) => ({
  event_type: 'install',
  event_name: 'install',
  event_time: '2026-11-02 09:15:00.120',
  install_time: '2026-11-02 09:15:00.120',
  attributed_touch_type: 'click',
  attributed_touch_time: '2026-11-02 09:10:41.000',
  appsflyer_id: afId,
  customer_user_id: null,
  media_source: 'tiktokglobal_int',
  af_channel: 'TikTok',
  campaign: 'winter_launch',
  af_c_id: '1790000000001',
  af_adset: 'lookalike_1',
  af_ad: 'video_a',
  platform: 'ios',
  app_id: 'id1234567890',
  app_version: '3.4.0',
  sdk_version: 'v6.14.0',
  idfv: 'B5E1A2F0-0000-4C7E-9D2B-0123456789AB',
  ip: '203.0.113.5',
  user_agent: 'Shop/3.4.0 CFNetwork/1490.0.4 Darwin/23.2.0',
  device_model: 'iPhone15,2',
  os_version: '17.2',
  language: 'en-US',
  original_url: 'https://app.appsflyer.com/id1234567890?pid=tiktokglobal_int&c=winter_launch&af_c_id=1790000000001&ttclid=E.C.P.tt-af',
  event_value: '',
  event_revenue: null,
  event_source: 'SDK',
  is_retargeting: false,
  ...over,
});

/** A Branch Webhooks 2.0 INSTALL (fields as Branch's event ontology names them). */
const branchInstall = (idfv: string, over: Record<string, unknown> = {}) => ({
  name: 'INSTALL',
  id: '1180000000000000001',
  timestamp: Date.parse('2026-11-03T08:00:00.000Z'),
  attributed: true,
  first_event_for_user: true,
  last_attributed_touch_type: 'CLICK',
  last_attributed_touch_timestamp: Date.parse('2026-11-03T07:58:00.000Z'),
  last_attributed_touch_data: {
    '~advertising_partner_name': 'Facebook',
    '~feature': 'paid advertising',
    '~channel': 'Instagram',
    '~campaign': 'meta_autumn',
    '~campaign_id': '23850000000000001',
    '~ad_set_name': 'broad',
    '~ad_name': 'carousel_b',
    '$3p': 'a_facebook',
    '~referring_link': 'https://shop.app.link/abc?utm_source=facebook&fbclid=IwAR-branch',
  },
  user_data: { os: 'IOS', os_version: '17.1', idfv, ip: '198.51.100.44', user_agent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X)', brand: 'Apple', model: 'iPhone14,5', developer_identity: null },
  event_data: {},
  custom_data: {},
  ...over,
});

describe('AppsFlyer Push API', () => {
  it('an install from a TikTok campaign is an arrival: a screen row with the campaign, the ttclid, and its first touch', async () => {
    const res = await post(`/postbacks/appsflyer/${serverKey}`, appsflyerInstall('af-install-1'));
    expect(await res.json()).toEqual({ success: true, accepted: 1, duplicates: 0, rejected: [] });
    // AppsFlyer retries a postback it thinks failed: the same message is acknowledged, stored once
    expect(await (await post(`/postbacks/appsflyer/${serverKey}`, appsflyerInstall('af-install-1'))).json()).toMatchObject({ accepted: 0, duplicates: 1 });
    const rows = await h.sql(`select type, name, utm_source, utm_medium, utm_campaign, utm_id, utm_content, ttclid, click_id_type, first_utm_campaign, first_click_id, original_timestamp, ip, is_bot, library_name from events where anonymous_id = 'af-install-1'`);
    expect(rows).toEqual([{
      type: 'screen', name: 'Install', utm_source: 'tiktokglobal_int', utm_medium: 'TikTok', utm_campaign: 'winter_launch', utm_id: '1790000000001', utm_content: 'video_a',
      ttclid: 'E.C.P.tt-af', click_id_type: 'ttclid', first_utm_campaign: 'winter_launch', first_click_id: 'E.C.P.tt-af', original_timestamp: '2026-11-02T09:15:00.120Z', ip: '203.0.113.5', is_bot: false, library_name: 'appsflyer-push-api',
    }]);
  });

  it('an in-app purchase is a track with its event_value and revenue, and carries the install\'s touch', async () => {
    await post(`/postbacks/appsflyer/${serverKey}`, appsflyerInstall('af-install-2'));
    const purchase = appsflyerInstall('af-install-2', { event_type: 'in-app-event', event_name: 'af_purchase', event_time: '2026-11-02 10:00:00.000', event_value: '{"af_revenue":"19.99","af_content_id":"sku-1"}', event_revenue: '19.99', event_revenue_currency: 'EUR', customer_user_id: 'af-user-2' });
    expect(await (await post('/postbacks/appsflyer', purchase, { authorization: `Bearer ${serverKey}` })).json()).toMatchObject({ accepted: 1 });
    const [row] = await h.sql(`select type, event, user_id, utm_campaign, first_utm_campaign, properties from events where anonymous_id = 'af-install-2' and type = 'track'`);
    expect(row).toMatchObject({ type: 'track', event: 'af_purchase', user_id: 'af-user-2', utm_campaign: null, first_utm_campaign: 'winter_launch' });
    expect(JSON.parse(String(row!['properties']))).toEqual({ af_revenue: '19.99', af_content_id: 'sku-1', revenue: 19.99, currency: 'EUR', platform: 'ios', app_id: 'id1234567890' });
  });

  it('an organic install is a direct arrival: no campaign', async () => {
    await post(`/postbacks/appsflyer/${serverKey}`, appsflyerInstall('af-organic', { media_source: 'organic', campaign: null, af_c_id: null, af_ad: null, af_channel: null, original_url: null }));
    expect(await h.sql(`select type, utm_source, utm_campaign, first_utm_campaign from events where anonymous_id = 'af-organic'`)).toEqual([{ type: 'screen', utm_source: null, utm_campaign: null, first_utm_campaign: null }]);
  });

  it('refuses a postback without the secret, or with an unknown one; quarantines a bad message under AppsFlyer\'s field', async () => {
    expect((await post('/postbacks/appsflyer', appsflyerInstall('af-nokey'))).status).toBe(401);
    expect((await post('/postbacks/appsflyer/not-a-key', appsflyerInstall('af-nokey'))).status).toBe(401);
    expect((await post('/postbacks/appsflyer', appsflyerInstall('af-nokey'), { 'x-touchline-key': 'not-a-key' })).status).toBe(401);
    const bad = await post(`/postbacks/appsflyer/${serverKey}`, [appsflyerInstall('af-bad', { event_time: 'Tuesday' }), appsflyerInstall('af-bad', { appsflyer_id: null }), appsflyerInstall('af-bad', { event_type: 'in-app-event', event_name: 'x', event_value: '{not json' }), appsflyerInstall('af-bad-neighbour')]);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { rejected: { index: number; field: string }[] }).rejected.map((r) => [r.index, r.field])).toEqual([[0, 'event_time'], [1, 'appsflyer_id'], [2, 'event_value']]);
    expect(await h.sql(`select anonymous_id from events where anonymous_id like 'af-bad%' or anonymous_id = 'af-nokey'`)).toEqual([{ anonymous_id: 'af-bad-neighbour' }]);
    const q = await h.sql(`select field, raw from failed_events where endpoint = '/postbacks/appsflyer/:key' order by batch_index`);
    expect(q.map((r) => r['field'])).toEqual(['event_time', 'appsflyer_id', 'event_value']);
    expect(String(q[0]!['raw'])).toContain('Tuesday');
  });
});

describe('Branch webhooks', () => {
  it('an attributed INSTALL from Meta is an arrival with the campaign and fbclid; a replay is a duplicate; a PURCHASE is a track', async () => {
    const idfv = 'C0FFEE00-0000-4000-8000-00000000BEEF';
    expect(await (await post(`/postbacks/branch/${serverKey}`, branchInstall(idfv))).json()).toMatchObject({ accepted: 1 });
    expect(await (await post(`/postbacks/branch/${serverKey}`, branchInstall(idfv))).json()).toMatchObject({ accepted: 0, duplicates: 1 });
    const purchase = branchInstall(idfv, { name: 'PURCHASE', id: '1180000000000000002', timestamp: Date.parse('2026-11-03T09:00:00.000Z'), event_data: { revenue: 30, currency: 'USD', transaction_id: 't-1' }, user_data: { ...branchInstall(idfv).user_data, developer_identity: 'branch-user' } });
    expect(await (await post('/postbacks/branch', purchase, { 'x-touchline-key': serverKey })).json()).toMatchObject({ accepted: 1 });
    const rows = await h.sql(`select type, name, event, user_id, utm_source, utm_medium, utm_campaign, utm_content, fbclid, first_utm_campaign, properties from events where anonymous_id = '${idfv}' order by "timestamp"`);
    expect(rows.map(({ properties: _p, ...r }) => r)).toEqual([
      { type: 'screen', name: 'Install', event: null, user_id: null, utm_source: 'facebook', utm_medium: 'paid advertising', utm_campaign: 'meta_autumn', utm_content: 'carousel_b', fbclid: 'IwAR-branch', first_utm_campaign: 'meta_autumn' },
      { type: 'track', name: null, event: 'PURCHASE', user_id: 'branch-user', utm_source: null, utm_medium: null, utm_campaign: null, utm_content: null, fbclid: null, first_utm_campaign: 'meta_autumn' },
    ]);
    expect(JSON.parse(String(rows[1]!['properties']))).toEqual({ revenue: 30, currency: 'USD', transaction_id: 't-1' });
  });

  it('refuses webhooks it cannot key or dedupe, with Branch\'s field names', async () => {
    const res = await post(`/postbacks/branch/${serverKey}`, [branchInstall('b-bad', { id: null }), branchInstall('b-bad', { user_data: { os: 'IOS' } }), branchInstall('b-bad', { name: '' }), branchInstall('b-bad', { timestamp: 'soon' })]);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { rejected: { field: string }[] }).rejected.map((r) => r.field)).toEqual(['id', 'user_data.idfv', 'name', 'timestamp']);
  });
});

/**
 * The journey, on each engine: day 1 the app is installed from TikTok and the user signs in in the
 * app (AppsFlyer now sends customer_user_id); day 5 the same person on the web, from a Google ad,
 * signs in and buys. The person's first touch is the install's campaign.
 */
async function journey(j: Harness, key: string, personOf: (userId: string) => string): Promise<void> {
  const af = 'af-journey-1';
  const to = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${j.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  await to(`/postbacks/appsflyer/${key}`, appsflyerInstall(af, { event_time: '2026-10-01 09:00:00.000', original_url: 'https://app.appsflyer.com/id1?pid=tiktokglobal_int&ttclid=E.C.P.journey' }));
  await to(`/postbacks/appsflyer/${key}`, appsflyerInstall(af, { event_type: 'in-app-event', event_name: 'af_login', event_time: '2026-10-01 09:05:00.000', customer_user_id: 'journey-user' }));
  const web = 'web-journey-1';
  const seg = async (body: object) => expect((await to('/v1/batch', { batch: [body] }, { authorization: j.auth })).status).toBe(200);
  await seg({ type: 'page', anonymousId: web, timestamp: '2026-10-05T12:00:00.000Z', properties: { url: 'https://www.shop.test/?utm_source=google&utm_medium=cpc&utm_campaign=brand&gclid=G-journey', referrer: 'https://www.google.com/' } });
  await seg({ type: 'identify', anonymousId: web, userId: 'journey-user', timestamp: '2026-10-05T12:01:00.000Z' });
  await seg({ type: 'track', event: 'Order Completed', anonymousId: web, userId: 'journey-user', timestamp: '2026-10-05T12:02:00.000Z', properties: { revenue: 80 } });
  await j.sql('select 1'); // loads what is spooled before the derived model is built
  await j.derived.ensure();
  const [person] = await j.sql(personOf('journey-user'));
  expect(person).toMatchObject({ first_touch_source: 'tiktokglobal_int', first_touch_campaign: 'winter_launch', first_touch_click_id: 'E.C.P.journey', last_touch_source: 'google', last_touch_campaign: 'brand' });
  expect([...(person!['anonymous_ids'] as string[])].sort()).toEqual([af, web]);
}

const PERSON_COLUMNS = 'first_touch_source, first_touch_campaign, first_touch_click_id, last_touch_source, last_touch_campaign, anonymous_ids';

describe('the journey: mobile install from a campaign, web purchase after identify', () => {
  it('DuckDB: the person\'s first touch is the TikTok install; the web visit is its later touch', async () => {
    await journey(h, serverKey, (u) => `select ${PERSON_COLUMNS} from persons where list_contains(user_ids, '${u}')`);
  });

  describe.skipIf(clickhouseSkipReason() !== null)('ClickHouse', () => {
    let server: ClickHouseTestServer;
    let ch: Harness;
    beforeAll(async () => {
      server = await startClickHouseServer();
      ch = await startHarness({ warehouse: { engine: 'clickhouse', clickhouse: { url: server.url } } } as Record<string, unknown>, { listen: true });
    }, 120_000);
    afterAll(async () => {
      await ch?.dispose();
      await server?.dispose();
    });

    it('the same person, the same first touch', async () => {
      const key = (await ch.sources.create('mobile-postbacks')).writeKey;
      await journey(ch, key, (u) => `select ${PERSON_COLUMNS} from persons where has(user_ids, '${u}')`);
    }, 60_000);
  });
});
