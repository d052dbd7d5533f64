/**
 * The admin routes' declared schemas at work: a request one of them refuses is a 400 naming the
 * field (body, query string, path parameter; guarded and unguarded routes), nothing is done, and
 * a valid request is handled as before. The spec gives the answers that are not JSON their own
 * content type (the dashboard's page, the live event stream, the OAuth callback's text).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- walking a parsed document

let h: Harness;
const admin = () => ({ authorization: `Bearer ${h.adminToken}` });

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.dispose());

async function refused(o: { method: 'GET' | 'POST' | 'DELETE'; url: string; payload?: object; headers?: Record<string, string> }, field: string): Promise<Json> {
  const res = await h.adminApp.inject({ ...o, headers: o.headers ?? admin() });
  expect(res.statusCode, res.body).toBe(400);
  const body = res.json() as Json;
  expect(body).toMatchObject({ success: false, error: 'bad_request', field });
  expect(body['message']).toContain(field);
  return body;
}

describe('a body the schema refuses', () => {
  it('a member role that does not exist: 400 led by the field, and no member is added', async () => {
    const body = await refused({ method: 'POST', url: '/admin/members', payload: { name: 'Eve', email: 'eve@example.com', role: 'superuser' } }, 'body.role');
    expect(body['message']).toMatch(/^role: .*"viewer"\|"analyst"\|"marketer"\|"admin"\|"owner"/);
    expect(h.people.members.find('eve@example.com')).toBeNull();
  });

  it('a negative dry-run limit, a scope no token has, a privacy request of no known kind', async () => {
    await refused({ method: 'POST', url: '/admin/syncs/seats/dry-run', payload: { limit: -5 } }, 'body.limit');
    await refused({ method: 'POST', url: '/admin/tokens', payload: { scopes: ['root'] } }, 'body.scopes.0');
    await refused({ method: 'POST', url: '/admin/privacy/delete', payload: { kind: 'phone', value: '+44 20 7946 0958' } }, 'body.kind');
    expect(h.privacy.list()).toEqual([]);
  });

  it('on the unguarded sign-in route too', async () => {
    await refused({ method: 'POST', url: '/auth/session', payload: { token: 42 }, headers: { 'x-touchline-request': '1' } }, 'body.token');
  });
});

describe('a query string the schema refuses', () => {
  it('a negative or non-numeric limit, a day that is not YYYY-MM-DD', async () => {
    await refused({ method: 'GET', url: '/admin/audit?limit=-3' }, 'querystring.limit');
    await refused({ method: 'GET', url: '/admin/syncs/seats/runs?limit=-1' }, 'querystring.limit');
    await refused({ method: 'GET', url: '/admin/dashboard/overview?since=07%2F12%2F2026' }, 'querystring.since');
  });

  it('a repeated OAuth code on the unauthenticated callback', async () => {
    await refused({ method: 'GET', url: '/admin/oauth/callback?code=a&code=b&state=s', headers: {} }, 'querystring.code');
  });
});

describe('a path parameter the schema refuses', () => {
  it('`../` in a sync, destination or token name', async () => {
    await refused({ method: 'GET', url: `/admin/syncs/${encodeURIComponent('../../etc')}/runs` }, 'params.name');
    await refused({ method: 'POST', url: `/admin/destinations/${encodeURIComponent('../hs')}/connect`, payload: {} }, 'params.name');
    await refused({ method: 'DELETE', url: `/admin/tokens/${encodeURIComponent('../0123456789abcdef')}` }, 'params.id');
  });
});

describe('valid requests', () => {
  it('are handled as before: the member is added, the audit log answers with its limit', async () => {
    const add = await h.adminApp.inject({ method: 'POST', url: '/admin/members', headers: admin(), payload: { name: 'Ana Ruiz', email: 'ana@example.com', role: 'analyst', startDate: '2026-11-02' } });
    expect(add.statusCode, add.body).toBe(201);
    expect(add.json()).toMatchObject({ email: 'ana@example.com', role: 'analyst', startDate: '2026-11-02', endDate: null });
    const audit = await h.adminApp.inject({ method: 'GET', url: '/admin/audit?action=members.&limit=1', headers: admin() });
    expect(audit.statusCode, audit.body).toBe(200);
    expect(audit.json().records).toEqual([expect.objectContaining({ action: 'members.add', target: `member ${add.json().id as string}` })]);
  });
});

describe('answers that are not JSON', () => {
  it('are in the spec with their content types', async () => {
    const spec = (await h.adminApp.inject({ method: 'GET', url: '/openapi.json' })).json() as Json;
    const types = (path: string, status: string) => Object.keys(spec['paths'][path]['get']['responses'][status]['content']).sort();
    expect(types('/admin/dashboard/live', '200')).toEqual(['application/json', 'text/event-stream']);
    expect(types('/', '200')).toEqual(['text/html; charset=utf-8']);
    expect(types('/', '503')).toEqual(['text/plain; charset=utf-8']);
    expect(types('/admin/oauth/callback', '400')).toEqual(['text/plain; charset=utf-8']);
    expect(types('/assets/{name}', '200')).toEqual(['text/css; charset=utf-8', 'text/javascript; charset=utf-8']);
    expect(spec['paths']['/admin/oauth/callback']['get']['security']).toEqual([]);
  });
});
