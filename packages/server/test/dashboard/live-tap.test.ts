import { describe, expect, it } from 'vitest';
import type { Ingest } from '../../src/collector/ingest.js';
import { createLiveTap, type LiveEvent } from '../../src/dashboard/live-tap.js';

const req = { sourceId: 's1', endpoint: '/v1/batch', requestId: 'r', receivedAt: '2026-12-07T00:00:00Z', ip: undefined, userAgent: undefined, gpc: false };
const tick = () => new Promise((r) => setImmediate(r));

describe('the live tap', () => {
  it('answers exactly as the ingest does, then passes the events on with their status and touch', async () => {
    const answer = { accepted: 1, duplicates: 0, rejected: [{ index: 1, reason: '`event` is required on track calls', field: 'event' }] };
    const inner: Ingest = async () => answer;
    const tap = createLiveTap();
    const seen: LiveEvent[] = [];
    tap.subscribe((e) => seen.push(e));
    const res = await tap.wrap(inner)([{ type: 'page', context: { page: { url: 'https://a.test/?utm_source=x&gclid=1' } } }, { type: 'track' }], req);
    expect(res).toBe(answer);
    expect(seen).toEqual([]); // never on the request's path
    await tick();
    expect(seen.map((e) => [e.type, e.status, e.reason])).toEqual([
      ['page', 'accepted', null],
      ['track', 'rejected', '`event` is required on track calls'],
    ]);
    expect(seen[0]!.touch).toMatchObject({ utm_source: 'x' });
  });

  it('hands the ingest every argument it was given (the other protocols pass their mapped batch)', async () => {
    const calls: unknown[][] = [];
    const inner: Ingest = async (...args) => {
      calls.push(args);
      return { accepted: 1, duplicates: 0, rejected: [] };
    };
    const mapped = { raw: [{ event_type: 'x' }], refused: new Map(), fieldName: (f: string) => f };
    await createLiveTap().wrap(inner)([{ type: 'track', event: 'x' }], req, 'track', mapped);
    expect(calls).toEqual([[[{ type: 'track', event: 'x' }], req, 'track', mapped]]);
  });

  it('stays bounded: a ring of `capacity` events, at most `maxPerSecond` a second, the rest counted', async () => {
    let now = 0;
    const tap = createLiveTap({ capacity: 5, maxPerSecond: 8, now: () => now });
    const ingest = tap.wrap(async (events) => ({ accepted: events.length, duplicates: 0, rejected: [] }));
    const batch = Array.from({ length: 20 }, (_, i) => ({ type: 'track', event: `e${i}` }));
    await ingest(batch, req);
    await tick();
    expect(tap.recent().map((e) => e.event)).toEqual(['e3', 'e4', 'e5', 'e6', 'e7']);
    expect(tap.skipped).toBe(12);
    now = 1000;
    await ingest(batch.slice(0, 2), req);
    await tick();
    expect(tap.recent().map((e) => e.event)).toEqual(['e5', 'e6', 'e7', 'e0', 'e1']);
  });

  it('a hostile or huge event costs no more than its first 200 characters of each field', async () => {
    const tap = createLiveTap();
    await tap.wrap(async () => ({ accepted: 1, duplicates: 0, rejected: [] }))([{ type: 'track', event: 'x'.repeat(100_000), messageId: { toString: () => 'boom' }, context: { page: { url: 'not a url' } } }], req);
    await tick();
    const [e] = tap.recent();
    expect(e!.event!.length).toBe(200);
    expect(e!.messageId).toBeNull();
  });
});
