/**
 * `/metrics` on a real server in process: who may scrape it (a token with the `metrics` scope,
 * nothing else), what it counts after real traffic (accepted / rejected / duplicate events, loads,
 * a real sync run against the HubSpot stand-in, the spool, the touch store, request and warehouse
 * timings), that its label values never carry personal data, URLs or unbounded values, and that
 * two servers in one process count apart.
 */
import { startHubspotStandIn, type HubspotStandIn } from '@touchline/destinations/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelGuard, OTHER } from '../../src/metrics/label-values.js';
import { hostileText, SPECIAL_TEXT } from '../support/hostile-text.js';
import { startHarness, type Harness } from '../support/harness.js';
import { parseExposition, total, type Exposition } from '../support/prometheus-text.js';

let h: Harness;
let other: Harness;
let hubspot: HubspotStandIn;
let metricsToken: string;
let readToken: string;
const EMAIL = 'jane.doe@example.com';

const scrape = async (t: Harness = h, token = metricsToken): Promise<Exposition> => {
  const res = await t.adminApp.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${token}` } });
  expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
  expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parseExposition(res.body);
};
const send = (url: string, payload: unknown, t: Harness = h) =>
  t.app.inject({ method: 'POST', url, headers: { authorization: t.auth, 'content-type': 'application/json' }, payload: payload as object });

const page = { url: `https://shop.test/welcome?email=${encodeURIComponent(EMAIL)}&utm_source=news`, referrer: 'https://mail.test/' };

beforeAll(async () => {
  hubspot = await startHubspotStandIn();
  h = await startHarness({
    destinations: { hs: { type: 'hubspot', config: { endpoint: hubspot.url, accessToken: 'test-token', properties: { n: 'feature_x_uses' } } } },
    syncs: { seats: { destination: 'hs', source: { sql: `SELECT 'seat' || i || '@example.com' AS email, i AS n FROM range(3) r(i)` }, primaryKey: 'email', mode: 'upsert' } },
  });
  other = await startHarness();
  const m = h.people.members.add({ name: 'Prometheus', email: 'prometheus@example.com', role: 'viewer', startDate: '2020-01-01' });
  const mint = (scopes: ('metrics' | 'read')[]) =>
    h.people.tokens.create({ memberId: m.id, name: scopes.join(), scopes, expiresAt: new Date(Date.now() + 86_400_000), createdBy: 'bootstrap' }).token;
  metricsToken = mint(['metrics']);
  readToken = mint(['read']);
});
afterAll(async () => {
  await h?.dispose();
  await other?.dispose();
  await hubspot?.close();
});

describe('who may scrape', () => {
  it('answers 401 without a token, 403 to a token without the metrics scope, 200 with it', async () => {
    expect((await h.adminApp.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const denied = await h.adminApp.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${readToken}` } });
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toMatchObject({ action: 'metrics.read' });
    await scrape();
  });

  it('the metrics token does nothing else', async () => {
    const res = await h.adminApp.inject({ method: 'GET', url: '/admin/status', headers: { authorization: `Bearer ${metricsToken}` } });
    expect(res.statusCode).toBe(403);
  });

  it('is not on the public listener', async () => {
    expect((await h.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
  });
});

describe('after real traffic', () => {
  let e: Exposition;
  let source: string;
  beforeAll(async () => {
    source = h.sources.list().find((s) => s.writeKey === h.writeKey)!.id;
    const good = { type: 'track', event: 'Signed Up', userId: EMAIL, anonymousId: 'anon-metrics-1', messageId: 'm-1', context: { page } };
    // One good, one duplicate of it, one refused (a track without an event name).
    expect((await send('/v1/batch', { batch: [good, good, { type: 'track', anonymousId: 'anon-metrics-2', messageId: 'm-2' }] })).statusCode).toBe(200);
    // A replay of the whole request: two more duplicates, one more refusal.
    await send('/v1/batch', { batch: [good, good, { type: 'track', anonymousId: 'anon-metrics-2', messageId: 'm-2' }] });
    expect((await send('/v1/track', { event: 'Paid', userId: EMAIL, messageId: 'm-3', context: { page } })).statusCode).toBe(200);
    // A path that matches no route, carrying personal data: timed, never named.
    expect((await h.app.inject({ method: 'GET', url: `/v1/track/${EMAIL}?token=${h.writeKey}` })).statusCode).toBe(404);
    await h.loader.flush();
    const run = await h.activation.syncs.run('seats');
    expect(run.status).toBe('succeeded');
    e = await scrape();
  });

  it('counts events by source, endpoint and outcome', () => {
    expect(total(e, 'touchline_events_total', { source, endpoint: '/v1/batch', outcome: 'accepted' })).toBe(1);
    expect(total(e, 'touchline_events_total', { source, endpoint: '/v1/batch', outcome: 'duplicate' })).toBe(3);
    expect(total(e, 'touchline_events_total', { source, endpoint: '/v1/batch', outcome: 'rejected' })).toBe(2);
    expect(total(e, 'touchline_events_total', { source, endpoint: '/v1/track', outcome: 'accepted' })).toBe(1);
  });

  it('counts the rows each load moved, and shows a caught-up spool', () => {
    expect(total(e, 'touchline_loader_rows_total', { outcome: 'events' })).toBe(2);
    expect(total(e, 'touchline_loader_rows_total', { outcome: 'failed' })).toBe(2);
    expect(total(e, 'touchline_loader_lag_seconds')).toBe(0);
    expect(total(e, 'touchline_loader_failing')).toBe(0);
    expect(total(e, 'touchline_spool_sealed_segments')).toBe(0);
    expect(total(e, 'touchline_spool_max_bytes')).toBe(h.spool.stats().maxBytes);
  });

  it('counts the sync run and its rows by outcome', () => {
    expect(total(e, 'touchline_sync_runs_total', { sync: 'seats', status: 'succeeded' })).toBe(1);
    expect(total(e, 'touchline_sync_rows_total', { sync: 'seats', outcome: 'delivered' })).toBe(3);
  });

  it('times requests by route pattern and warehouse calls by operation', () => {
    const count = (labels: Record<string, string>) => total(e, 'touchline_http_request_duration_seconds_count', labels);
    expect(count({ listener: 'public', route: '/v1/batch', method: 'POST', status: '2xx' })).toBe(2);
    // This 404 and the one of `/metrics` asked on the public listener above.
    expect(count({ listener: 'public', route: 'unmatched', status: '4xx' })).toBe(2);
    expect(count({ listener: 'admin', route: '/metrics', status: '4xx' })).toBeGreaterThanOrEqual(2);
    expect(total(e, 'touchline_warehouse_operation_duration_seconds_count', { operation: 'load', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(total(e, 'touchline_warehouse_operation_duration_seconds_count', { operation: 'query', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
  });

  it('reports the touch store\'s visitors', () => {
    // anon-metrics-1 (the refused event's visitor is never stamped).
    expect(total(e, 'touchline_touch_store_visitors')).toBeGreaterThanOrEqual(1);
  });

  it('carries no personal data, secret, URL or query string in any label value', () => {
    const values = e.samples.flatMap((s) => Object.values(s.labels));
    expect(values.length).toBeGreaterThan(50);
    for (const v of values) {
      expect(v).not.toMatch(/@|\?|=|shop\.test|anon-metrics|jane/);
      expect(v).not.toContain(h.writeKey);
      expect(v).not.toContain(h.adminToken);
    }
    expect(e.samples.some((s) => Object.values(s.labels).some((v) => v.startsWith('/v1/track/')))).toBe(false);
  });

  it('keeps each server\'s counts apart', async () => {
    await send('/v1/track', { event: 'Elsewhere', anonymousId: 'a-other' }, other);
    const token = other.adminToken;
    const o = await scrape(other, token);
    expect(total(o, 'touchline_events_total', { outcome: 'accepted' })).toBe(1);
    expect(total(o, 'touchline_sync_runs_total')).toBe(0);
    expect(total(await scrape(), 'touchline_events_total', { outcome: 'accepted' })).toBe(2);
  });
});

describe('label values', () => {
  it('let only short identifier-like text through: hostile text, e-mail addresses and URLs become `other`', () => {
    const guard = labelGuard();
    for (const s of [EMAIL, 'https://shop.test/?a=b', '/v1/track?x=1', 'a b', 'x'.repeat(81), '', "'", '"', '\n', '\0', '\u2028', 'é']) expect(guard(s)).toBe(OTHER);
    fc.assert(fc.property(fc.oneof(fc.constantFrom(...SPECIAL_TEXT), hostileText), (s) => {
      const v = guard(s);
      return v === OTHER || /^[A-Za-z0-9_.:/*-]{1,80}$/.test(v);
    }));
  });

  it('stop at maxValues distinct values per label: the rest count as `other`', () => {
    const guard = labelGuard(3);
    expect(['a', 'b', 'c', 'd', 'a', 'e'].map(guard)).toEqual(['a', 'b', 'c', OTHER, 'a', OTHER]);
  });
});
