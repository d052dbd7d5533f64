/**
 * The logs an operator reads: JSON lines (pino) with a level and a time; one request id from the
 * collector's answer, through the spool record, into the loader's lines; and at the default level
 * no e-mail address, write key or admin token in any line, whatever a sender puts where.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonSink } from '../../src/logging/json-sink.js';
import type { LogLevel } from '../../src/logging/log.js';
import { startHarness, type Harness } from '../support/harness.js';
import { manualClock } from '../support/manual-clock.js';

const EMAIL = 'jane.doe@example.com';

interface Line { readonly level: string; readonly time: string; readonly msg: string; readonly [k: string]: unknown }

/** A server whose log lines (the real JSON sink) are kept as text. */
async function loggedServer(level: LogLevel): Promise<{ h: Harness; text: () => string; lines: () => Line[] }> {
  let text = '';
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  const h = await startHarness({ log: { level } }, { log: jsonSink(out), clock: manualClock() });
  const lines = () => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);
  return { h, text: () => text, lines };
}

const track = (h: Harness, payload: unknown, headers: Record<string, string> = {}) =>
  h.app.inject({ method: 'POST', url: '/v1/track', headers: { authorization: h.auth, 'content-type': 'application/json', ...headers }, payload: payload as object });

describe('request ids', () => {
  let s: Awaited<ReturnType<typeof loggedServer>>;
  beforeAll(async () => {
    s = await loggedServer('debug');
  });
  afterAll(async () => {
    await s?.h.dispose();
  });

  it('one id runs from the collector\'s answer and its log line through the spool to the loader\'s line', async () => {
    const res = await track(s.h, { event: 'Signed Up', anonymousId: 'a-1' });
    expect(res.statusCode).toBe(200);
    const id = res.headers['x-request-id'] as string;
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-z]+$/);
    await s.h.loader.flush();
    const collector = s.lines().find((l) => l.msg === 'request' && l['reqId'] === id);
    expect(collector).toMatchObject({ level: 'debug', listener: 'public', route: '/v1/track', status: 200 });
    const loader = s.lines().find((l) => l.msg === 'loaded a spool batch');
    expect(loader).toMatchObject({ level: 'debug', events: 1, requests: 1, requestIds: [id] });
  });

  it('keeps a proxy\'s X-Request-Id that looks like one, and replaces any other', async () => {
    const kept = await track(s.h, { event: 'A', anonymousId: 'a-2' }, { 'x-request-id': 'nginx-5f2a9c1e77d0' });
    expect(kept.headers['x-request-id']).toBe('nginx-5f2a9c1e77d0');
    for (const hostile of [EMAIL, 'short', 'a b c d e f g h', 'x'.repeat(65), 'id\r\nset-cookie: a=b', "id';drop--"]) {
      const res = await track(s.h, { event: 'A', anonymousId: 'a-3' }, { 'x-request-id': hostile.replace(/[\r\n]/g, '') });
      expect(res.headers['x-request-id'], hostile).toMatch(/^[0-9a-f]{8}-[0-9a-z]+$/);
    }
  });

  it('ids of different apps never collide (a restart does not reuse them)', async () => {
    const a = await s.h.app.inject({ method: 'GET', url: '/healthz' });
    const b = await s.h.adminApp.inject({ method: 'GET', url: '/healthz' });
    expect(String(a.headers['x-request-id']).split('-')[0]).not.toBe(String(b.headers['x-request-id']).split('-')[0]);
  });
});

describe('at the default level (info)', () => {
  let s: Awaited<ReturnType<typeof loggedServer>>;
  let ids: string[];
  beforeAll(async () => {
    s = await loggedServer('info');
    // A first load, so the frozen clock holds the loader back until the test flushes.
    await track(s.h, { event: 'Warm-up', anonymousId: 'w' });
    await s.h.loader.flush();
    const hostile = { event: 'Signed Up', userId: EMAIL, anonymousId: EMAIL, properties: { email: EMAIL, writeKey: s.h.writeKey, note: `token ${s.h.adminToken}` }, context: { page: { url: `https://shop.test/?email=${EMAIL}&writeKey=${s.h.writeKey}` } } };
    const first = await track(s.h, hostile);
    const second = await track(s.h, { ...hostile, messageId: 'm-2' });
    ids = [first, second].map((r) => r.headers['x-request-id'] as string);
    // Refused events, bad JSON, an unknown route and a wrong key, each carrying the e-mail and secrets.
    await track(s.h, { userId: EMAIL, properties: { email: EMAIL } });
    await s.h.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: s.h.auth, 'content-type': 'application/json' }, payload: `{"batch":[{"userId":"${EMAIL}"` });
    await s.h.app.inject({ method: 'GET', url: `/v1/${EMAIL}?writeKey=${s.h.writeKey}` });
    await track(s.h, hostile, { authorization: 'Basic ' + Buffer.from(`${EMAIL}:`).toString('base64') });
    await s.h.adminApp.inject({ method: 'POST', url: '/admin/sql', headers: { authorization: `Bearer ${s.h.adminToken}` }, payload: { sql: `select * from nowhere where email = '${EMAIL}'` } });
    // Damage the first request's record in its sealed segment: the loader sets it aside and says
    // so at info, naming the requests of the batch.
    await s.h.spool.roll();
    const [segment] = s.h.spool.sealed();
    const bytes = await readFile(segment!.path);
    bytes[40] = bytes[40]! ^ 0xff;
    await writeFile(segment!.path, bytes);
    await s.h.loader.flush();
  });
  afterAll(async () => {
    await s?.h.dispose();
  });

  it('writes JSON lines with a level, an ISO time and a message', () => {
    const lines = s.lines();
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) {
      expect(['error', 'warn', 'info']).toContain(l.level);
      expect(new Date(l.time).toISOString()).toBe(l.time);
      expect(typeof l.msg).toBe('string');
    }
    expect(lines.some((l) => l.level === 'debug' || l.msg === 'request')).toBe(false);
  });

  it('names the requests of a batch the loader had to set damage aside in', () => {
    const damage = s.lines().find((l) => l.msg.startsWith('damaged spool bytes'));
    expect(damage, s.text()).toBeDefined();
    // The damaged record's id is lost with its bytes; the intact one's is named.
    expect(damage!['requestIds']).toContain(ids[1]);
  });

  it('carries no e-mail address, write key or admin token anywhere', () => {
    const text = s.text();
    expect(text).not.toContain(EMAIL);
    expect(text).not.toContain('jane.doe');
    expect(text).not.toContain(s.h.writeKey);
    expect(text).not.toContain(s.h.adminToken);
  });
});
