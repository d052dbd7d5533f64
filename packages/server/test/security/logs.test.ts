/**
 * Logs at the default level carry no event bodies, e-mail or IP addresses, tokens or row
 * contents (docs/security.md, "Logs"). Error messages are where such data gets in: the redaction
 * is checked against the real messages of DuckDB and ClickHouse 18.16 given hostile values, on the
 * HTTP error path, and end to end on a Touchline fed hostile traffic; `log.level = debug` lets it
 * through and says so.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toErrorReply } from '../../src/http/error-reply.js';
import { createHttpApp } from '../../src/http/http-app.js';
import { createLog, type LogLevel } from '../../src/logging/log.js';
import { redactFields, redactText } from '../../src/logging/redact.js';
import { clickhouseSkipReason, startClickHouseServer, type ClickHouseTestServer } from '../support/clickhouse-server.js';
import { startHarness, type Harness } from '../support/harness.js';
import { tempDuckDBWarehouse, type DisposableWarehouse } from '../support/warehouses.js';

const EMAIL = 'jane.doe+vip@shop-example.co.uk';
const IP = '203.0.113.77';
const IP6 = '2001:db8:85a3::8a2e:370:7334';
const USER = 'u-8841-secret';
const HOSTILE = [EMAIL, IP, IP6, USER];

function capture(level: LogLevel = 'info', secrets: string[] = []) {
  const lines: string[] = [];
  const log = createLog({ level, sink: (m, f) => lines.push(`${m} ${f ? JSON.stringify(f) : ''}`), secrets: () => secrets });
  return { log, lines, text: () => lines.join('\n') };
}
const leaks = (text: string, values: readonly string[] = HOSTILE) => values.filter((v) => text.includes(v) || text.includes(JSON.stringify(v).slice(1, -1)));

describe('the redaction rules', () => {
  it.each([
    ['connect ECONNREFUSED 127.0.0.1:8123', 'connect ECONNREFUSED [ip]:8123'],
    [`from ${IP6} and fe80::1%eth0`, 'from [ip] and [ip]'],
    ['2001:0db8:85a3:0000:0000:8a2e:0370:7334', '[ip]'],
    ['at 2026-01-01T10:20:30.000Z, retry in 00:00:05', 'at 2026-01-01T10:20:30.000Z, retry in 00:00:05'],
    ['version 1.2.3 of 2.5', 'version 1.2.3 of 2.5'],
    [`mail ${EMAIL} now`, 'mail [email] now'],
    ["can't open the collector's spool", "can't open the collector's spool"],
    ['Catalog Error: Table with name "events" does not exist!', 'Catalog Error: Table with name "events" does not exist!'],
    ['Binder Error: Referenced column "utm_source" not found', 'Binder Error: Referenced column "utm_source" not found'],
    [`Constraint Error: duplicate key "${USER}"`, 'Constraint Error: duplicate key "[redacted]"'],
    [`Constraint Error: duplicate key "u8841"`, 'Constraint Error: duplicate key "[redacted]"'],
    ["unknown sync `orders-to-meta` (see `touchline sync list`)", "unknown sync `orders-to-meta` (see `touchline sync list`)"],
    ['Authorization: Bearer abc.DEF-123_x', 'Authorization: Bearer [secret]'],
    ['syntax error near tl_pat_0123456789abcdef_AbC-dEf_0123456789abcdefghijklmnopqrstuvwxy', 'syntax error near tl_pat_0123456789abcdef_[secret]'],
    ['Basic d2s6', 'Basic [secret]'],
    [`GET https://www.shop.test/p?email=${encodeURIComponent(EMAIL)}&utm_source=x failed`, 'GET https://www.shop.test/p?[query omitted] failed'],
    ['POST /beacon/v1/batch?writeKey=abc123&x=1', 'POST /beacon/v1/batch?writeKey=[secret]&x=1'],
  ])('%s', (input, output) => {
    expect(redactText(input)).toBe(output);
  });

  it('replaces known secrets wherever they are, and cuts long texts', () => {
    expect(redactText('token=xyzTOKEN123 in text', ['xyzTOKEN123'])).toBe('token=[secret] in text');
    const long = redactText('x'.repeat(5000));
    expect(long.length).toBeLessThan(2100);
    expect(long).toMatch(/\[3000 characters cut\]$/);
  });

  it('omits request and row contents by field name, keeps numbers, and redacts nested values and errors', () => {
    const f = redactFields({
      body: { email: EMAIL },
      raw: 'anything',
      sql: `select '${USER}'`,
      count: 3,
      ok: true,
      url: `/v1/track?writeKey=wk&email=${EMAIL}`,
      nested: { list: [`from ${IP}`], error: new Error(`bad '${USER}'`) },
    });
    expect(f).toEqual({
      body: '[omitted at log.level info]',
      raw: '[omitted at log.level info]',
      sql: '[omitted at log.level info]',
      count: 3,
      ok: true,
      url: '/v1/track?[query omitted]',
      nested: { list: ['from [ip]'], error: expect.stringMatching(/^Error: bad '\[redacted\]'\n/) },
    });
  });
});

describe('real engine error messages', () => {
  let duck: DisposableWarehouse;
  beforeAll(async () => {
    duck = await tempDuckDBWarehouse('touchline-logs-');
  });
  afterAll(async () => {
    await duck?.dispose();
  });

  it('DuckDB: a value it cannot convert, the SQL line under it, and JSON it cannot read', async () => {
    const messages: string[] = [];
    for (const sql of [
      `select cast('${EMAIL}' as integer) as x`,
      `select cast('${USER} from ${IP}' as date) as d`,
      `select json('{"email": "${EMAIL}", "ip": "${IP}", "user": "${USER}"') as j`,
    ]) {
      await duck.warehouse.query(sql).then(
        () => expect.unreachable(`${sql} should fail`),
        (err: Error) => messages.push(err.message),
      );
    }
    expect(leaks(messages.join('\n')).length).toBeGreaterThan(0); // the raw messages do quote them
    const { log, text } = capture();
    for (const m of messages) log('load failed; the spool keeps the rows and the loader retries', { error: m });
    expect(leaks(text())).toEqual([]);
    expect(text()).toContain('Conversion Error: Could not convert string');
    expect(text()).toContain('LINE 1: [SQL omitted]');
  });

  describe.skipIf(clickhouseSkipReason())('ClickHouse 18.16', () => {
    let ch: ClickHouseTestServer;
    beforeAll(async () => {
      ch = await startClickHouseServer();
      await ch.sql('CREATE TABLE t (a UInt32, b String) ENGINE = Memory');
    });
    afterAll(async () => {
      await ch?.dispose();
    });

    it('a row it cannot parse, a value it cannot convert, a query it cannot read', async () => {
      const insert = async (body: string) => {
        const r = await fetch(`${ch.url}/?query=${encodeURIComponent('INSERT INTO t FORMAT JSONEachRow')}`, { method: 'POST', body });
        expect(r.status).toBeGreaterThanOrEqual(400);
        return r.text();
      };
      const messages = [
        await insert(`{"a": "${USER} ${EMAIL} from ${IP}", "b": "x"}\n`),
        await insert(`{"a": 1, "b": "${EMAIL}"} {"a": "${IP6}"}\n`),
        await ch.sql(`SELECT toUInt32('${EMAIL}')`).then(() => '', (e: Error) => e.message),
        await ch.sql(`SELECT * FROM t WHERE b = '${USER}' AND`).then(() => '', (e: Error) => e.message),
      ];
      expect(messages.every((m) => m.includes('DB::Exception'))).toBe(true);
      expect(leaks(messages.join('\n')).length).toBeGreaterThan(0);
      const { log, text } = capture();
      for (const m of messages) log('touch store: inserting touch facts failed; kept in memory and retried', { error: m });
      expect(leaks(text())).toEqual([]);
      expect(text()).toContain('Cannot parse input: expected');
      expect(text()).toContain('before: [row omitted]');
    });
  });
});

describe('the HTTP error path', () => {
  let app: FastifyInstance;
  let lines: () => string;
  let debugLines: () => string;
  let duck: DisposableWarehouse;
  const build = (level: LogLevel, error: Error) => {
    const c = capture(level, ['wk-secret-0123456789']);
    const a = createHttpApp({ limits: { maxConnections: 10, headersTimeoutMs: 1000, requestTimeoutMs: 2000, keepAliveTimeoutMs: 1000 }, bodyLimit: 1024 });
    a.setErrorHandler(async (err: Error, request, reply) => toErrorReply(err, request, reply, { retryAfterSeconds: 1, log: c.log, limitKeyOf: () => 'x' }));
    a.post('/v1/track', async () => {
      throw error;
    });
    return { app: a, text: c.text };
  };
  beforeAll(async () => {
    duck = await tempDuckDBWarehouse('touchline-logs-http-');
    // A real engine failure that quotes what it was given, thrown where a handler fails unexpectedly.
    const error = await duck.warehouse.query(`select cast('${EMAIL} ${USER}' as integer)`).then(() => new Error('no error'), (e: Error) => new TypeError(e.message));
    const info = build('info', error);
    const debug = build('debug', error);
    app = info.app;
    lines = info.text;
    await Promise.all([app.ready(), debug.app.ready()]);
    debugLines = debug.text;
    for (const a of [info.app, debug.app]) {
      const res = await a.inject({ method: 'POST', url: `/v1/track?writeKey=wk-secret-0123456789&email=${encodeURIComponent(EMAIL)}`, headers: { 'content-type': 'application/json', authorization: 'Bearer wk-secret-0123456789' }, payload: JSON.stringify({ email: EMAIL }) });
      expect(res.statusCode).toBe(500);
      expect(res.json()).toMatchObject({ error: 'internal' });
    }
  });
  afterAll(async () => {
    await app?.close();
    await duck?.dispose();
  });

  it('logs the route and a redacted error at info', () => {
    expect(lines()).toMatch(/unexpected error .*"route":"\/v1\/track"/);
    expect(lines()).toContain('TypeError: DuckDB: Conversion Error: Could not convert string');
    expect(leaks(lines(), [...HOSTILE, 'wk-secret-0123456789', 'writeKey='])).toEqual([]);
  });

  it('lets everything through at debug, the request URL included', () => {
    expect(debugLines()).toContain(EMAIL);
    expect(debugLines()).toContain('writeKey=wk-secret-0123456789');
  });
});

describe('a Touchline fed hostile traffic', () => {
  let h: Harness;
  const lines: string[] = [];
  beforeAll(async () => {
    h = await startHarness({ ip: { trustProxy: true } }, { log: (m, f) => lines.push(`${m} ${f ? JSON.stringify(f) : ''}`) });
  });
  afterAll(async () => {
    await h?.dispose();
  });

  it('writes no e-mail or IP address, token, id or body to its log at info', async () => {
    const post = (url: string, payload: string, headers: Record<string, string> = {}) =>
      h.app.inject({ method: 'POST', url, headers: { authorization: h.auth, 'content-type': 'application/json', 'x-forwarded-for': IP, ...headers }, payload });
    const hostile = { email: EMAIL, ip: IP, ip6: IP6, user: USER };
    const answers = [
      await post('/v1/identify', JSON.stringify({ userId: USER, anonymousId: `anon-${IP}`, traits: hostile })),
      await post('/v1/track', JSON.stringify({ userId: USER, event: `Signed Up ${EMAIL}`, properties: hostile, context: { ip: IP6 } })),
      // identity links with a NUL inside: the identity refresh must not quote them in a log line either
      await post('/v1/alias', JSON.stringify({ userId: `${USER}\u0000${EMAIL}`, previousId: `anon-${IP}` })),
      await post('/v1/batch', JSON.stringify({ batch: [{ type: 'track', userId: USER, event: 'E', properties: hostile }, 'not an event', { type: 'page', userId: EMAIL }] })),
      await post('/v1/track', `{"userId": "${USER}", "email": "${EMAIL}", broken`),
      await post('/v1/track', JSON.stringify({ userId: USER }), { authorization: 'Basic ' + Buffer.from(`${EMAIL}:`).toString('base64') }),
      await post('/_t/b', JSON.stringify({ writeKey: h.writeKey, batch: [{ type: 'page', anonymousId: USER, context: { page: { url: `https://www.shop.test/?email=${EMAIL}` } } }] }), { 'content-type': 'text/plain', origin: 'https://www.shop.test', host: 't.shop.test' }),
    ];
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200, 400, 401, 200]);
    await h.loader.flush();
    await h.derived.ensure().catch(() => undefined); // a start-time refresh over the same rows
    const text = lines.join('\n');
    expect(leaks(text, [...HOSTILE, h.writeKey, h.adminToken])).toEqual([]);
  });
});
