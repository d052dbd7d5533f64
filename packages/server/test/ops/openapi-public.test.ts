/**
 * The public collector's part of /openapi.json against the server itself: every example's request,
 * sent to its route, gets the example's status (and its error, its rejected events); ingest routes
 * are marked as validated by their handlers, and are: a batch the declared schema refuses as a
 * whole for one bad event is still taken event by event, while an envelope the handler cannot read
 * is a 400 naming the field, after the write key, and kept in failed_events.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeTable } from '../../src/http/http-app.js';
import type { RouteDoc, RouteExample } from '../../src/http/route-doc.js';
import { describedMethod, openApiPath } from '../../src/openapi/openapi-document.js';
import { startHarness, type Harness } from '../support/harness.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- walking a parsed document

/** The write keys the examples use, made real sources here so that each example can be sent as it is. */
const EXAMPLE_KEYS = ['wk_web_3f9a', 'wk_app_51c0', 'phc_web_7a1d', 'wk_server_8e2b'];
const basic = (key: string) => 'Basic ' + Buffer.from(`${key}:`).toString('base64');

let h: Harness;
let spec: Json;
const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, validateFormats: false });

beforeAll(async () => {
  h = await startHarness();
  for (const key of EXAMPLE_KEYS) await h.sources.create(`example-${key}`, key);
  spec = (await h.adminApp.inject({ method: 'GET', url: '/openapi.json' })).json();
});
afterAll(async () => h?.dispose());

const publicRoutes = () => routeTable(h.app).filter((r) => describedMethod(r.method) && r.config['doc'] !== undefined);
const op = (url: string, method: string): Json => spec['paths'][openApiPath(url)][method.toLowerCase()];
const bodySchema = (url: string) => ajv.compile(op(url, 'post')['requestBody'].content['application/json'].schema);

/** The example's request on one route: its path parameters filled in, its query string, its body. */
function send(route: { method: string; url: string }, e: RouteExample, auth: boolean) {
  const url = route.url.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => encodeURIComponent(e.request?.params?.[name] ?? ''));
  const query = new URLSearchParams(e.request?.query ?? {}).toString();
  const body = e.request?.body;
  return h.app.inject({
    method: route.method as 'GET' | 'POST',
    url: query ? `${url}?${query}` : url,
    headers: auth ? { authorization: basic('wk_web_3f9a') } : {},
    ...(body === undefined ? {} : { payload: JSON.stringify(body), headers: { 'content-type': 'application/json', ...(auth ? { authorization: basic('wk_web_3f9a') } : {}) } }),
  });
}

describe('the public examples are what the collector answers', () => {
  it('sends every example request to each route it documents and gets its status, error and rejected events', async () => {
    let sent = 0;
    for (const route of publicRoutes()) {
      const doc = route.config['doc'] as RouteDoc;
      const auth = op(route.url, route.method)['security'].length > 0;
      for (const e of doc.examples) {
        // An example with a key in the path is for the route with that parameter, one without for the route without.
        const inPath = [...route.url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]).sort();
        if (!e.request || JSON.stringify(Object.keys(e.request.params ?? {}).sort()) !== JSON.stringify(inPath)) continue;
        const res = await send(route, e, auth);
        const where = `${route.method} ${route.url} "${e.name}"`;
        expect(res.statusCode, `${where}: ${res.body.slice(0, 300)}`).toBe(e.response.status);
        const want = e.response.body as Json;
        if (typeof want === 'object' && want !== null && !Array.isArray(want)) {
          const got = res.json();
          for (const k of ['error', 'code', 'field', 'rejected', 'status', 'success'] as const) if (k in want) expect(got[k], `${where}: ${k}`).toEqual(want[k]);
        }
        sent++;
      }
    }
    expect(sent).toBeGreaterThan(100);
  });
});

describe('ingest routes: the spec shows the envelope, the handler judges each event', () => {
  it('marks every public POST as validated by its handler, and says what that means', () => {
    const posts = publicRoutes().filter((r) => r.method === 'POST');
    expect(posts.length).toBeGreaterThan(50);
    for (const r of posts) {
      expect(op(r.url, 'post')['x-touchline-validates'], r.url).toBe('handler');
      expect(op(r.url, 'post')['description'], r.url).toMatch(/failed_events/);
    }
    expect(op('/v1/projects/:writeKey/settings', 'get')['x-touchline-validates']).toBeUndefined();
  });

  it('declares bodies and answers that are not JSON with their media types', () => {
    const capture = op('/i/v0/e/', 'post')['requestBody'].content;
    expect(Object.keys(capture).sort()).toEqual(['application/json', 'application/x-www-form-urlencoded', 'text/plain']);
    expect(Object.keys(op('/_t/b', 'post')['requestBody'].content)).toContain('text/plain');
    expect(Object.keys(op('/snowplow/i', 'get')['responses']['200'].content)).toEqual(['image/gif']);
    expect(Object.keys(op('/array/:token/config.js', 'get')['responses']['200'].content)).toEqual(['application/javascript']);
    expect(Object.keys(op('/_t/s.js', 'get')['responses']['200'].content)).toEqual(['text/javascript']);
    // one doc for `/snowplow/<key>/i` and `/snowplow/i`: the key is a parameter of the first only
    expect(op('/snowplow/:key/i', 'get')['parameters'].some((p: Json) => p['in'] === 'path' && p['name'] === 'key')).toBe(true);
    expect(op('/snowplow/i', 'get')['parameters'].some((p: Json) => p['in'] === 'path')).toBe(false);
  });

  it('keeps the good events of a batch the schema refuses for one bad event, and quarantines that one with its reason', async () => {
    const good = (id: string) => ({ type: 'track', event: 'Signed Up', anonymousId: 'oapi-anon', messageId: id });
    const body = { batch: [good('oapi-good-1'), { type: 'track', anonymousId: 'oapi-anon', messageId: 'oapi-bad-1' }, good('oapi-good-2')] };
    expect(bodySchema('/v1/batch')(body)).toBe(false); // a check before the handler would have refused all three
    const res = await h.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: h.auth }, payload: body });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ success: true, accepted: 2, rejected: [{ index: 1, field: 'event' }] });
    expect(await h.sql(`select message_id from events where anonymous_id = 'oapi-anon' order by 1`)).toEqual([{ message_id: 'oapi-good-1' }, { message_id: 'oapi-good-2' }]);
    expect(await h.sql(`select field, reason from failed_events where message_id = 'oapi-bad-1'`)).toEqual([{ field: 'event', reason: '`event` is required on track calls' }]);
  });

  it('answers an envelope it cannot read with a 400 naming the field, kept in failed_events, and only once the write key is known', async () => {
    const body = { batch: { type: 'track', event: 'Signed Up', anonymousId: 'oapi-envelope' } };
    expect(bodySchema('/v1/batch')(body)).toBe(false);
    expect((await h.app.inject({ method: 'POST', url: '/v1/batch', payload: body })).statusCode).toBe(401);
    for (const url of ['/v1/batch', '/_t/b']) {
      const res = await h.app.inject({ method: 'POST', url, headers: { authorization: h.auth }, payload: body });
      expect(res.statusCode, `${url}: ${res.body}`).toBe(400);
      expect(res.json(), url).toMatchObject({ success: false, error: 'invalid_batch', field: 'batch', quarantined: true });
      const id = String(res.headers['x-request-id']);
      expect(await h.sql(`select reason from failed_events where request_id = '${id.replace(/'/g, "''")}'`), url).toEqual([{ reason: '`batch` must be an array of events' }]);
    }
    const amplitude = await h.app.inject({ method: 'POST', url: '/2/httpapi', payload: { api_key: h.writeKey, events: { event_type: 'x' } } });
    expect(bodySchema('/2/httpapi')({ api_key: h.writeKey, events: { event_type: 'x' } })).toBe(false);
    expect(amplitude.statusCode).toBe(400);
    expect(amplitude.json()).toMatchObject({ missing_field: 'events', quarantined: true });
  });

  it('takes a pixel whose query the schema refuses event by event: 400 naming the parameter, the event quarantined', async () => {
    const pixel = op('/snowplow/i', 'get')['parameters'].find((p: Json) => p['name'] === 'e');
    expect(ajv.compile(pixel['schema'])('zz')).toBe(false);
    const res = await h.app.inject({ method: 'GET', url: `/snowplow/${h.writeKey}/i?e=zz&duid=oapi-px&eid=oapi-px-1` });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_events', rejected: [{ index: 0, field: 'e' }] });
    const id = String(res.headers['x-request-id']).replace(/'/g, "''");
    expect(await h.sql(`select field from failed_events where request_id = '${id}'`)).toEqual([{ field: 'e' }]);
  });
});
