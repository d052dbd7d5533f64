/**
 * Snowplow's tracker protocol, hostile: requests shaped as the protocol documents them (tp2 POST
 * and the `/i` pixel), with contexts and self-describing events in padded standard base64,
 * unpadded URL-safe base64 and plain JSON; malformed base64, wrong types, a missing or foreign
 * key — each bad event quarantined under its Snowplow parameter, neighbours kept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({}, { listen: true });
});
afterAll(async () => {
  await h?.dispose();
});

const PAYLOAD = 'iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4';
const tp2 = (data: unknown, path = '/com.snowplowanalytics.snowplow/tp2') =>
  fetch(`${h.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json; charset=UTF-8' }, body: JSON.stringify({ schema: PAYLOAD, data }) });
const ue = (schema: string, data: unknown) => JSON.stringify({ schema: 'iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0', data: { schema, data } });
const cx = (data: unknown[]) => JSON.stringify({ schema: 'iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0', data });
const padded = (s: string) => Buffer.from(s).toString('base64');
const urlSafe = (s: string) => padded(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

describe('the Snowplow tracker protocol, hostile', () => {
  it('reads base64 padded and unpadded URL-safe, and plain JSON, alike', async () => {
    // ü and ✓ give base64 with + and / (and padding) for these payloads
    const inner = { order_id: 'o-ü✓?>', revenue: 1 };
    const contexts = [{ schema: 'iglu:com.shop/basket/jsonschema/1-0-0', data: { note: '✓✓>>??' } }];
    const base = { e: 'ue', duid: 'sp-b64', aid: h.writeKey, tv: 'js-4.10.1', p: 'web' };
    const res = await tp2([
      { ...base, eid: 'sp-b64-1', ue_px: padded(ue('iglu:com.shop/order/jsonschema/1-0-0', inner)), cx: padded(cx(contexts)) },
      { ...base, eid: 'sp-b64-2', ue_px: urlSafe(ue('iglu:com.shop/order/jsonschema/1-0-0', inner)), cx: urlSafe(cx(contexts)) },
      { ...base, eid: 'sp-b64-3', ue_pr: ue('iglu:com.shop/order/jsonschema/1-0-0', inner), co: cx(contexts) },
    ]);
    expect(res.status).toBe(200);
    const rows = await h.sql(`select message_id, event, properties, context from events where anonymous_id = 'sp-b64' order by message_id`);
    expect(rows.map((r) => r['event'])).toEqual(['order', 'order', 'order']);
    for (const r of rows) {
      expect(JSON.parse(String(r['properties']))).toEqual({ ...inner, schema: 'iglu:com.shop/order/jsonschema/1-0-0' });
      // (the write key, sent as `aid`, is not kept; `tv` is the library column)
      expect(JSON.parse(String(r['context']))['snowplow']).toEqual({ p: 'web', contexts });
    }
  });

  it('quarantines each bad event under its Snowplow parameter, keeps the neighbours', async () => {
    const base = { duid: 'sp-hostile', aid: h.writeKey };
    const events = [
      { ...base, e: 'pv', eid: 'sp-h-1', url: 'https://www.shop.test/?utm_source=tiktok&ttclid=tt-sp', refr: 'https://www.tiktok.com/' },
      { ...base, e: 'ue', eid: 'sp-h-2', ue_px: '%%% not base64 %%%' },
      { ...base, e: 'pv', eid: 'sp-h-3', cx: 'e30' /* {} : not a contexts envelope */ },
      { ...base, e: 'pv', eid: 'sp-h-4', dtm: 'yesterday' },
      { ...base, e: 'xx', eid: 'sp-h-5' },
      { ...base, e: 'se', eid: 'sp-h-6' },
      { ...base, e: 'pv', eid: 7 },
      { e: 'pv', aid: h.writeKey, eid: 'sp-h-8' },
      { ...base, aid: 'someone-else', e: 'pv', eid: 'sp-h-9' },
      { ...base, e: 'se', se_ac: "x'); drop table events; --", se_va: 'NaN', eid: 'sp-h-10' },
    ];
    const res = await tp2(events);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { rejected: { index: number; field: string }[] };
    expect(body.rejected.map((r) => [r.index, r.field])).toEqual([[1, 'ue_px'], [2, 'cx'], [3, 'dtm'], [4, 'e'], [5, 'se_ac'], [6, 'eid'], [7, 'duid'], [8, 'aid']]);
    const kept = await h.sql(`select message_id, type, utm_source, ttclid, referrer_domain, event from events where anonymous_id = 'sp-hostile' order by message_id`);
    expect(kept).toEqual([
      { message_id: 'sp-h-1', type: 'page', utm_source: 'tiktok', ttclid: 'tt-sp', referrer_domain: 'tiktok.com', event: null },
      { message_id: 'sp-h-10', type: 'track', utm_source: null, ttclid: null, referrer_domain: null, event: "x'); drop table events; --" },
    ]);
    const q = await h.sql(`select batch_index, field, raw from failed_events where endpoint = '/com.snowplowanalytics.snowplow/tp2' order by batch_index`);
    expect(q.map((r) => [r['batch_index'], r['field']])).toEqual(body.rejected.map((r) => [r.index, r.field]));
    expect(JSON.parse(String(q[0]!['raw']))).toEqual(events[1]);
  });

  it('refuses a request with no key (no aid, no key in the path) or an unknown one, and bodies that are not payload_data', async () => {
    const noKey = await tp2([{ e: 'pv', duid: 'sp-nokey' }]);
    expect(noKey.status).toBe(401);
    expect(((await noKey.json()) as { message: string }).message).toMatch(/collector path .* app id/);
    expect((await tp2([{ e: 'pv', duid: 'sp-nokey', aid: 'not-a-key' }])).status).toBe(401);
    expect((await tp2([{ e: 'pv', duid: 'sp-nokey' }], '/snowplow/not-a-key/com.snowplowanalytics.snowplow/tp2')).status).toBe(401);
    const notPayload = await fetch(`${h.url}/snowplow/${h.writeKey}/com.snowplowanalytics.snowplow/tp2`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"data": {"e": "pv"}}' });
    expect(notPayload.status).toBe(400);
    expect(((await notPayload.json()) as { message: string }).message).toMatch(/payload_data/);
    const broken = await fetch(`${h.url}/snowplow/com.snowplowanalytics.snowplow/tp2`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"data": [' });
    expect(broken.status).toBe(400);
    expect(await h.sql(`select count(*) as n from events where anonymous_id = 'sp-nokey'`)).toEqual([{ n: 0 }]);
  });

  it('a body past limits.maxBatchBytes is a 413 naming it, nothing of it kept', async () => {
    const many = Array.from({ length: 3000 }, (_, i) => ({ e: 'pv', duid: 'sp-huge', aid: h.writeKey, eid: `sp-huge-${i}`, url: `https://www.shop.test/${'p'.repeat(150)}` }));
    const res = await tp2(many);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { message: string }).message).toMatch(/limits\.maxBatchBytes/);
    expect(await h.sql(`select count(*) as n from events where anonymous_id = 'sp-huge'`)).toEqual([{ n: 0 }]);
  });

  it('the pixel: GET /i with the key in the path answers a GIF; repeated parameters are refused', async () => {
    const q = new URLSearchParams({ e: 'pv', duid: 'sp-pixel', eid: 'sp-px-1', url: 'https://www.shop.test/?gclid=px', tv: 'no-js-0.1.0', cx: urlSafe(cx([{ schema: 'iglu:a/b/jsonschema/1-0-0', data: {} }])) });
    const ok = await fetch(`${h.url}/snowplow/${h.writeKey}/i?${q}`);
    expect([ok.status, ok.headers.get('content-type')]).toEqual([200, 'image/gif']);
    expect(Buffer.from(await ok.arrayBuffer()).subarray(0, 6).toString()).toBe('GIF89a');
    const twice = await fetch(`${h.url}/i?${q}&aid=${h.writeKey}&duid=again`);
    expect(twice.status).toBe(400);
    expect(await h.sql(`select message_id, gclid from events where anonymous_id = 'sp-pixel'`)).toEqual([{ message_id: 'sp-px-1', gclid: 'px' }]);
  });
});
