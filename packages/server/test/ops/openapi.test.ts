/**
 * `/openapi.json` against the server's own route tables: every route is an operation of the
 * spec (a route without a `doc` fails here); every
 * operation has examples, and each example validates against the schema the spec gives it
 * (ajv, JSON Schema 2020-12). A request a declared schema refuses is a 400 naming the field,
 * after authentication, for each kind of request schema (body, query string, path parameters).
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeTable, type RouteEntry } from '../../src/http/http-app.js';
import { describedMethod, openApiPath } from '../../src/openapi/openapi-document.js';
import { startHarness, type Harness } from '../support/harness.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- walking a parsed document

let h: Harness;
let spec: Json;
const admin = () => ({ authorization: `Bearer ${h.adminToken}` });

const routesOf = (listener: 'public' | 'admin'): (RouteEntry & { key: string })[] =>
  routeTable(listener === 'public' ? h.app : h.adminApp)
    .filter((r) => describedMethod(r.method))
    .map((r) => ({ ...r, key: `${listener} ${r.method} ${r.url}` }));
const allRoutes = () => [...routesOf('public'), ...routesOf('admin')];

beforeAll(async () => {
  h = await startHarness();
  const res = await h.adminApp.inject({ method: 'GET', url: '/openapi.json' });
  expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
  spec = res.json();
});
afterAll(async () => h?.dispose());

describe('the spec covers the route tables', () => {
  it('is OpenAPI 3.1 with a bearer scheme for the admin API and Basic for the write key', () => {
    expect(spec['openapi']).toBe('3.1.0');
    expect(spec['components'].securitySchemes).toMatchObject({ adminToken: { type: 'http', scheme: 'bearer' }, writeKey: { type: 'http', scheme: 'basic' } });
  });

  it('describes every route of both listeners', () => {
    const missing = allRoutes().filter((r) => r.config['doc'] === undefined).map((r) => r.key);
    expect([...new Set(missing)].sort(), 'routes without a doc (src/http/route-doc.ts)').toEqual([]);
    const described = allRoutes().filter((r) => r.config['doc'] !== undefined);
    expect(described.length).toBeGreaterThan(0);
    for (const r of described) expect(spec['paths'][openApiPath(r.url)]?.[r.method.toLowerCase()], r.key).toBeDefined();
  });

  it('puts admin routes behind the admin token, collector routes behind the write key, and leaves health and the spec open', () => {
    const op = (path: string, method: string): Json => spec['paths'][path][method];
    expect(op('/admin/utm/build', 'post')['security']).toEqual([{ adminToken: [] }]);
    expect(op('/admin/utm/build', 'post')['x-touchline-action']).toBe('quality.read');
    expect(op('/healthz', 'get')['security']).toEqual([]);
    expect(op('/openapi.json', 'get')['security']).toEqual([]);
  });
});

/** Each example of one operation, checked against the schema the spec gives that part. */
function checkExamples(ajv: Ajv2020, where: string, op: Json): number {
  let n = 0;
  const check = (schema: Json, value: unknown, what: string) => {
    const validate = ajv.compile(schema);
    expect(validate(value), `${where} ${what}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    n++;
  };
  for (const [status, r] of Object.entries<Json>(op['responses'])) {
    for (const [type, media] of Object.entries<Json>(r['content'] ?? {})) {
      for (const [name, ex] of Object.entries<Json>(media['examples'] ?? {})) check(media['schema'], ex['value'], `${status} ${type} example "${name}"`);
    }
  }
  const body = op['requestBody']?.content?.['application/json'];
  for (const [name, ex] of Object.entries<Json>(body?.examples ?? {})) check(body.schema, ex['value'], `request example "${name}"`);
  for (const p of op['parameters'] as Json[]) if (p['example'] !== undefined) check(p['schema'], p['example'], `${p['in']} parameter ${p['name']}`);
  return n;
}

describe('examples', () => {
  it('every operation has a response example and a request example for each part it takes, each valid against its schema', () => {
    const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true, validateFormats: false });
    for (const [path, ops] of Object.entries<Json>(spec['paths'])) {
      for (const [method, op] of Object.entries<Json>(ops)) {
        const where = `${method.toUpperCase()} ${path}`;
        const responseExamples = Object.values<Json>(op['responses']).flatMap((r) => Object.values<Json>(r['content'] ?? {})).flatMap((m) => Object.keys(m['examples'] ?? {}));
        expect(responseExamples.length, `${where}: no response example`).toBeGreaterThan(0);
        if (op['requestBody']) expect(Object.keys(op['requestBody'].content['application/json'].examples).length, `${where}: no request body example`).toBeGreaterThan(0);
        for (const p of op['parameters'] as Json[]) if (p['required']) expect(p['example'], `${where}: no example for ${p['in']} ${p['name']}`).toBeDefined();
        expect(checkExamples(ajv, where, op)).toBeGreaterThan(0);
      }
    }
  });

  it('a schema that refuses a value refuses it in the test too (the check can fail)', () => {
    const ajv = new Ajv2020({ strict: true, validateFormats: false });
    const build = spec['paths']['/admin/utm/build']['post'];
    expect(ajv.compile(build['requestBody'].content['application/json'].schema)({ url: 42 })).toBe(false);
  });
});

describe('a declared schema is enforced', () => {
  const refused = async (o: { method: 'GET' | 'POST' | 'DELETE'; url: string; payload?: object }, field: string) => {
    const res = await h.adminApp.inject({ ...o, headers: admin() });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toMatchObject({ success: false, error: 'bad_request', field });
    expect(res.json().message).toContain(field);
  };

  it('refuses a body field of the wrong type, naming it', async () => {
    await refused({ method: 'POST', url: '/admin/utm/build', payload: { url: 'https://shop.test/', utm_source: ['news'] } }, 'body.utm_source');
    await refused({ method: 'POST', url: '/admin/utm/build', payload: { utm_source: 'news' } }, 'body.url');
  });

  it('refuses a query string value outside its range, naming it', async () => {
    await refused({ method: 'GET', url: '/admin/utm/report?days=0' }, 'querystring.days');
  });

  it('refuses a path parameter no source can have, naming it', async () => {
    await refused({ method: 'DELETE', url: `/admin/sources/${encodeURIComponent('web site;drop')}` }, 'params.id');
  });

  it('authenticates and authorizes before it validates: no token or no right, no schema answer', async () => {
    const res = await h.adminApp.inject({ method: 'POST', url: '/admin/utm/build', payload: { url: 42 } });
    expect(res.statusCode).toBe(401);
    const m = h.people.members.add({ name: 'Prometheus', email: 'prometheus@example.com', role: 'viewer', startDate: '2020-01-01' });
    const { token } = h.people.tokens.create({ memberId: m.id, name: 'scrape', scopes: ['metrics'], expiresAt: new Date(Date.now() + 86_400_000), createdBy: 'bootstrap' });
    const denied = await h.adminApp.inject({ method: 'POST', url: '/admin/utm/build', payload: { url: 42 }, headers: { authorization: `Bearer ${token}` } });
    expect(denied.statusCode, denied.body).toBe(403);
    expect(denied.json()).toMatchObject({ action: 'quality.read' });
  });

  it('handles a valid request as before', async () => {
    const res = await h.adminApp.inject({ method: 'GET', url: '/admin/utm/report?days=7', headers: admin() });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ landings: 0, lines: [] });
  });
});
