import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({}, { listen: true });
});
afterAll(async () => {
  await h.dispose();
});

/** mulberry32: a small seeded PRNG, so a failure can be replayed. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE_STRINGS = [
  "'; DROP TABLE events; --",
  "' OR '1'='1",
  '"; SELECT * FROM sources; --',
  '<script>alert(document.cookie)</script>',
  '<img src=x onerror=alert(1)>',
  '${jndi:ldap://x.test/a}',
  '{{7*7}}',
  '\u0000\u0001\u0002',
  '\ud800',
  '\udfff lone low',
  '\u202e\u202dRTL',
  '😀'.repeat(500),
  'a'.repeat(20_000),
  '\\\\\\"\\u0000',
  '__proto__',
  'constructor',
  '../../../../etc/passwd',
  'NaN',
  '',
];

function nest(depth: number, leaf: unknown, array: boolean): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = array ? [v] : { a: v };
  return v;
}

type Attack = { body: string | Buffer; headers?: Record<string, string>; path?: string };

/** Thousands of malformed, oversized, wrongly typed and hostile requests. */
function attacks(r: () => number): Attack[] {
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const out: Attack[] = [];
  const fields = ['type', 'event', 'userId', 'anonymousId', 'messageId', 'timestamp', 'sentAt', 'properties', 'traits', 'context', 'name', 'groupId', 'previousId', 'integrations'];
  const values: unknown[] = [...HOSTILE_STRINGS, null, true, false, 0, -0, 1e308, -1, [], [1, 'x'], {}, { __proto__: { polluted: true } }, { constructor: { prototype: { x: 1 } } }];
  for (let i = 0; i < 1200; i++) {
    const e: Record<string, unknown> = { type: 'track', anonymousId: 'x', event: 'E' };
    const n = 1 + Math.floor(r() * 4);
    for (let k = 0; k < n; k++) e[pick(fields)] = pick(values);
    out.push({ body: JSON.stringify({ batch: [e] }) });
    out.push({ path: `/v1/${pick(['track', 'page', 'identify', 'group', 'alias', 'screen'])}`, body: JSON.stringify(e) });
  }
  for (let i = 0; i < 200; i++) {
    const valid = JSON.stringify({ batch: [{ type: 'track', anonymousId: 'a', event: 'ok', properties: { s: pick(HOSTILE_STRINGS) } }] });
    out.push({ body: valid.slice(0, Math.floor(r() * valid.length)) });
    out.push({ body: Buffer.from(Array.from({ length: 1 + Math.floor(r() * 400) }, () => Math.floor(r() * 256))) });
  }
  for (const depth of [64, 1000, 5000, 20_000, 100_000]) {
    // Built as text: JSON.stringify itself cannot nest this deep.
    out.push({ body: `{"batch":[{"type":"track","anonymousId":"a","event":"deep","properties":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}]}` });
    out.push({ body: `{"batch":[{"type":"track","anonymousId":"a","event":"deep","properties":{"x":${'['.repeat(depth)}1${']'.repeat(depth)}}}]}` });
    if (depth <= 1000) out.push({ body: JSON.stringify({ batch: [{ type: 'track', anonymousId: 'a', event: 'deep', properties: nest(depth, 1, false) }] }) });
    out.push({ body: '{"batch":' + '['.repeat(depth) + ']'.repeat(depth) + '}' });
  }
  out.push({ body: JSON.stringify({ batch: Array.from({ length: 20_000 }, () => ({})) }) });
  out.push({ body: JSON.stringify({ batch: Array.from({ length: 5000 }, (_, i) => ({ type: 'track', event: 'x', messageId: `m${i}` })) }) });
  out.push({ body: JSON.stringify({ batch: [{ type: 'track', anonymousId: 'a', event: 'big', properties: { s: 'x'.repeat(600_000) } }] }) });
  out.push({ body: JSON.stringify({ batch: [{ type: 'track', anonymousId: 'a', event: 'keys', properties: Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`k${i}`, i])) }] }) });
  out.push({ body: '{"batch":[{"type":"track","anonymousId":"a","event":"num","properties":{"n":1e999,"m":-1e999}}]}' });
  out.push({ body: '{"batch":[{"type":"track","anonymousId":"a","event":"dupkey","event":"again"}]}' });
  out.push({ body: '{"__proto__":{"batch":[]},"batch":[{"type":"track","anonymousId":"a","event":"proto"}]}' });
  out.push({ body: gzipSync(Buffer.from('{"batch":[{"type":"track","anonymousId":"a","event":"gz"}]}')).subarray(0, 20), headers: { 'content-encoding': 'gzip' } });
  out.push({ body: 'x', headers: { 'content-encoding': 'compress' } });
  out.push({ body: '{}', headers: { 'content-type': 'multipart/form-data; boundary=x' } });
  out.push({ body: '{}', headers: { authorization: 'Basic !!!notbase64!!!' } });
  out.push({ body: '{}', headers: { authorization: 'Bearer x' } });
  out.push({ body: 'null' });
  out.push({ body: '[]' });
  out.push({ body: '"string"' });
  out.push({ body: '' });
  return out;
}

describe('hostile input', () => {
  it('never answers 5xx, never crashes, and keeps every valid event sent alongside', { timeout: 300_000 }, async () => {
    const r = rng(20261125);
    const list = attacks(r);
    const valid: string[] = [];
    const statuses = new Map<number, number>();
    const fiveXX: string[] = [];
    let i = 0;
    async function worker(): Promise<void> {
      while (i < list.length) {
        const n = i++;
        const a = list[n]!;
        // A valid event rides along with every tenth attack, in its own request and inside batches.
        const sendValid = n % 10 === 0;
        const id = `valid-${n}`;
        const body = sendValid && typeof a.body === 'string' && a.body.startsWith('{"batch":[{') && r() < 0.5
          ? a.body.replace('{"batch":[', `{"batch":[{"type":"track","anonymousId":"v","event":"Valid","messageId":"${id}-b"},`)
          : a.body;
        let res: Response;
        try {
          res = await fetch(`${h.url}${a.path ?? '/v1/batch'}`, {
            method: 'POST',
            headers: { authorization: h.auth, 'content-type': 'application/json', ...a.headers },
            body,
            signal: AbortSignal.timeout(15_000),
          });
        } catch (err) {
          fiveXX.push(`#${n} no answer (${(err as Error).message}) ${JSON.stringify(a.headers ?? {})} ${String(body).slice(0, 120)}`);
          continue;
        }
        const answer = await res.text();
        // A valid event riding in a batch is kept whenever the batch itself could be read (200);
        // a body that is not JSON, or over the limit, is refused whole and the sender is told.
        if (body !== a.body && res.status === 200) {
          expect(JSON.parse(answer).accepted).toBeGreaterThanOrEqual(1);
          valid.push(`${id}-b`);
        }
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status >= 500) fiveXX.push(`#${n} ${res.status} ${String(body).slice(0, 120)}`);
        if (sendValid) {
          const ok = await fetch(`${h.url}/v1/track`, {
            method: 'POST',
            headers: { authorization: h.auth, 'content-type': 'application/json' },
            body: JSON.stringify({ anonymousId: 'v', event: 'Valid', messageId: id, properties: { s: HOSTILE_STRINGS[n % HOSTILE_STRINGS.length] } }),
          });
          expect(ok.status).toBe(200);
          valid.push(id);
        }
      }
    }
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(list.length).toBeGreaterThan(2500);
    expect(fiveXX).toEqual([]);
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);

    expect(valid.filter((id) => id.endsWith('-b')).length).toBeGreaterThan(20);
    const rows = await h.sql(`select message_id from events where event = 'Valid'`);
    const stored = new Set(rows.map((x) => x['message_id']));
    expect(valid.filter((id) => !stored.has(id))).toEqual([]);
    // Whatever the warehouse holds loaded cleanly: nothing was refused at load time.
    expect(h.loader.stats().unloadable).toBe(0);
    expect(h.loader.stats().lastError).toBeNull();
    const failed = await h.sql(`select count(*) as n from failed_events`);
    expect(Number(failed[0]?.['n'])).toBeGreaterThan(1000);
  });
});
