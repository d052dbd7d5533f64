/**
 * PostHog's capture API: the real `posthog-node` SDK pointed at the collector (gzip on and off),
 * and hostile requests in each encoding PostHog's SDKs use — JSON, gzip without a header, base64
 * in a form field and as a whole body — each bad event quarantined under its PostHog field with
 * its neighbours kept.
 */
import { PostHog } from 'posthog-node';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({}, { listen: true });
});
afterAll(async () => {
  await h?.dispose();
});

const post = (path: string, body: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  fetch(`${h.url}${path}`, { method: 'POST', headers, body });
const count = async (where: string) => Number((await h.sql(`select count(*) as n from events where ${where}`))[0]!['n']);

describe('the real posthog-node client, pointed at the collector', () => {
  for (const disableCompression of [false, true]) {
    it(`lands capture, identify, alias and a group (compression ${disableCompression ? 'off' : 'on'}) to /posthog/batch/`, async () => {
      const errors: unknown[] = [];
      const client = new PostHog(h.writeKey, { host: `${h.url}/posthog`, flushAt: 50, flushInterval: 0, disableCompression, fetchRetryCount: 0 });
      client.on('error', (e) => errors.push(e));
      const u = `ph-node-${disableCompression ? 'plain' : 'gz'}`;
      client.identify({ distinctId: u, properties: { $set: { email: `${u}@shop.test`, plan: 'pro' } } });
      client.capture({
        distinctId: u,
        event: 'Order Completed',
        properties: { order_id: `o-${u}`, revenue: 99.5, $current_url: 'https://www.shop.test/thanks?utm_source=newsletter&utm_campaign=nov', $raw_user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15', $ip: '198.51.100.9' },
      });
      client.alias({ distinctId: u, alias: `${u}-alias` });
      client.groupIdentify({ groupType: 'company', groupKey: `acme-${u}`, properties: { employees: 50 }, distinctId: u });
      await client.shutdown();
      expect(errors).toEqual([]);

      const rows = await h.sql(`
        select type, event, anonymous_id, user_id, previous_id, group_id, library_name, utm_campaign, os, ip, is_bot, traits, properties->>'order_id' as order_id
        from events where anonymous_id = '${u}' or user_id = '${u}' or user_id = '${u}-alias' or group_id = 'acme-${u}' order by type`);
      expect(rows.map((r) => r['type'])).toEqual(['alias', 'group', 'identify', 'track']);
      const [alias, group, identify, track] = rows;
      expect(alias).toMatchObject({ user_id: `${u}-alias`, previous_id: u, library_name: 'posthog-node' });
      expect(group).toMatchObject({ group_id: `acme-${u}`, traits: '{"employees":50}' });
      expect(identify).toMatchObject({ user_id: u });
      expect(JSON.parse(String(identify!['traits']))).toEqual({ email: `${u}@shop.test`, plan: 'pro' });
      // the visitor's agent and address ($raw_user_agent, $ip), not the server SDK's
      expect(track).toMatchObject({ event: 'Order Completed', anonymous_id: u, utm_campaign: 'nov', os: 'Mac OS', ip: '198.51.100.9', is_bot: false, order_id: `o-${u}` });
    });
  }
});

describe('hostile PostHog requests', () => {
  const batch = (events: unknown[]) => JSON.stringify({ api_key: h.writeKey, batch: events });

  it('quarantines each bad event under its PostHog field and keeps the neighbours', async () => {
    const events = [
      { event: 'ok one', distinct_id: 'ph-hostile-1', uuid: 'ph-h-1' },
      { event: 'no id', uuid: 'ph-h-2' },
      { event: 42, distinct_id: 'ph-hostile-1' },
      { event: 'bad props', distinct_id: 'ph-hostile-1', properties: 'x' },
      { event: 'bad time', distinct_id: 'ph-hostile-1', timestamp: 'tomorrow' },
      { event: 'other project', distinct_id: 'ph-hostile-1', properties: { token: 'another-projects-key' } },
      { event: '$create_alias', distinct_id: 'ph-hostile-1', properties: {} },
      { event: "ok two'); drop table events; --", distinct_id: 'ph-hostile-1', uuid: 'ph-h-8', properties: { $set: JSON.parse('{"__proto__": {"polluted": true}}') } },
    ];
    const res = await post('/batch/', batch(events));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { rejected: { index: number; field: string }[] };
    expect(body.rejected.map((r) => [r.index, r.field])).toEqual([[1, 'distinct_id'], [2, 'event'], [3, 'properties'], [4, 'timestamp'], [5, 'properties.token'], [6, 'properties.alias']]);
    expect(await h.sql(`select event from events where anonymous_id = 'ph-hostile-1' order by event`)).toEqual([{ event: 'ok one' }, { event: "ok two'); drop table events; --" }]);
    const q = await h.sql(`select batch_index, field, raw from failed_events where endpoint = '/batch/' order by batch_index`);
    expect(q.map((r) => r['batch_index'])).toEqual([1, 2, 3, 4, 5, 6]);
    expect(JSON.parse(String(q[0]!['raw']))).toEqual(events[1]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('takes gzip without a header, base64 in a form field and as a whole beacon body; the write key never lands in a row', async () => {
    const events = (tag: string) => [{ event: '$pageview', properties: { distinct_id: `ph-enc-${tag}`, token: h.writeKey, $current_url: `https://www.shop.test/?utm_source=tiktok&ttclid=tt-${tag}`, $referrer: '$direct', $device_id: `ph-enc-${tag}` } }];
    const json = (tag: string) => JSON.stringify(events(tag));
    const b64 = (tag: string) => Buffer.from(json(tag)).toString('base64');
    const cases: [string, string, string | Buffer, Record<string, string>][] = [
      ['gz', '/posthog/e/?compression=gzip-js', gzipSync(json('gz')), { 'content-type': 'text/plain' }],
      ['form', '/posthog/e/', `data=${encodeURIComponent(b64('form'))}&compression=base64`, { 'content-type': 'application/x-www-form-urlencoded' }],
      ['beacon', '/posthog/e/?compression=base64', b64('beacon').replace(/=+$/, ''), { 'content-type': 'text/plain' }],
      ['v0', '/i/v0/e/', json('v0'), { 'content-type': 'application/json' }],
    ];
    for (const [tag, path, body, headers] of cases) {
      const res = await post(path, body, headers);
      expect([tag, res.status, await res.json()]).toEqual([tag, 200, { status: 1 }]);
    }
    const rows = await h.sql(`select anonymous_id, type, utm_source, ttclid, referrer, properties from events where anonymous_id like 'ph-enc-%' order by anonymous_id`);
    expect(rows.map((r) => [r['anonymous_id'], r['type'], r['utm_source'], r['ttclid'], r['referrer']])).toEqual(['beacon', 'form', 'gz', 'v0'].map((t) => [`ph-enc-${t}`, 'page', 'tiktok', `tt-${t}`, null]));
    for (const r of rows) expect(String(r['properties'] ?? '')).not.toContain(h.writeKey);
  });

  it('refuses malformed base64, bad gzip, a missing or unknown key and a body of the wrong shape, with a clear error', async () => {
    const cases: [string, string | Buffer, Record<string, string>, number, RegExp][] = [
      ['/posthog/e/?compression=base64', '@@not base64@@', { 'content-type': 'text/plain' }, 400, /neither JSON nor valid base64/],
      ['/posthog/e/?compression=gzip-js', Buffer.from('plain text'), { 'content-type': 'text/plain' }, 400, /not gzip/],
      ['/posthog/e/', Buffer.from([0x1f, 0x8b, 8, 0, 0, 0]), { 'content-type': 'text/plain' }, 400, /not valid gzip/],
      ['/posthog/e/', 'data=', { 'content-type': 'application/x-www-form-urlencoded' }, 400, /empty/],
      ['/posthog/capture/', JSON.stringify({ event: 'x', distinct_id: 'ph-hostile-2' }), { 'content-type': 'application/json' }, 401, /no write key/],
      ['/posthog/capture/', JSON.stringify({ api_key: 'nope', event: 'x', distinct_id: 'ph-hostile-2' }), { 'content-type': 'application/json' }, 401, /unknown write key/],
      ['/posthog/batch/', JSON.stringify({ api_key: h.writeKey, batch: 'x' }), { 'content-type': 'application/json' }, 400, /must be an event/],
      ['/posthog/e/', '{"event": "x", "distinct_id": ', { 'content-type': 'application/json' }, 400, /malformed JSON/],
    ];
    for (const [path, body, headers, status, pattern] of cases) {
      const res = await post(path, body, headers);
      const json = (await res.json()) as { detail: string };
      expect([path, res.status]).toEqual([path, status]);
      expect(json.detail).toMatch(pattern);
    }
    expect(await count(`anonymous_id = 'ph-hostile-2'`)).toBe(0);
  });

  it('holds the batch limit after decompression: a small gzip bomb is a 413 naming limits.maxBatchBytes', async () => {
    const bomb = gzipSync(Buffer.from(JSON.stringify({ api_key: h.writeKey, batch: [{ event: 'x', distinct_id: 'ph-bomb', properties: { pad: 'a'.repeat(2_000_000) } }] })));
    expect(bomb.length).toBeLessThan(10_000);
    const res = await post('/posthog/batch/', bomb, { 'content-type': 'text/plain' });
    expect(res.status).toBe(413);
    expect(await count(`anonymous_id = 'ph-bomb'`)).toBe(0);
  });

  it('sends /batch by what the body holds: `events` to Amplitude, `batch` to PostHog', async () => {
    const amp = await post('/batch', JSON.stringify({ api_key: h.writeKey, events: [{ event_type: 'amp via batch', device_id: 'shared-batch-amp' }] }));
    expect(await amp.json()).toMatchObject({ code: 200, events_ingested: 1 });
    const ph = await post('/batch', batch([{ event: 'ph via batch', distinct_id: 'shared-batch-ph' }]));
    expect(await ph.json()).toEqual({ status: 1 });
    expect(await h.sql(`select anonymous_id, event from events where anonymous_id like 'shared-batch-%' order by anonymous_id`)).toEqual([
      { anonymous_id: 'shared-batch-amp', event: 'amp via batch' },
      { anonymous_id: 'shared-batch-ph', event: 'ph via batch' },
    ]);
  });

  it('answers posthog-js\'s configuration with every feature off, and only for a known key', async () => {
    const config = await fetch(`${h.url}/posthog/array/${h.writeKey}/config`);
    expect(await config.json()).toMatchObject({ token: h.writeKey, sessionRecording: false, autocapture_opt_out: true, surveys: false, heatmaps: false, hasFeatureFlags: false, siteApps: [] });
    const flags = await post('/flags/?v=2', JSON.stringify({ token: h.writeKey, distinct_id: 'x' }));
    expect(await flags.json()).toMatchObject({ flags: {}, featureFlags: {}, errorsWhileComputingFlags: false, sessionRecording: false });
    expect((await fetch(`${h.url}/posthog/array/nope/config`)).status).toBe(401);
    expect((await post('/posthog/flags/?v=2', JSON.stringify({ token: 'nope' }))).status).toBe(401);
  });
});
