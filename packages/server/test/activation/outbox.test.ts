import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openOutbox } from '../../src/activation/forwarding/outbox.js';
import { manualClock } from '../support/manual-clock.js';

describe('forwarding outbox', () => {
  let dir: string;
  const clock = manualClock();
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'touchline-outbox-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const items = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ id: `src:m-${from + i}`, row: { message_id: `m-${from + i}` } }));

  it('keeps unacknowledged entries across a reopen, and forgets acknowledged ones', async () => {
    const a = await openOutbox({ dir, clock, segmentBytes: 200 });
    await a.append(items(0, 10));
    await a.ack([0, 1, 2, 5]);
    expect(a.pending()).toBe(7);
    const b = await openOutbox({ dir, clock, segmentBytes: 200 });
    // 5 was acknowledged out of order, beyond the cursor: it is offered again (same dedup key).
    expect(b.read(0, 100).map((e) => e.id)).toEqual(['src:m-3', 'src:m-4', 'src:m-5', 'src:m-6', 'src:m-7', 'src:m-8', 'src:m-9']);
    await b.ack(b.read(0, 100).map((e) => e.pos));
    expect(b.pending()).toBe(0);
    expect((await readdir(dir)).filter((f) => f.endsWith('.ndjson')).length).toBeLessThanOrEqual(1);
    const c = await openOutbox({ dir, clock });
    expect(c.read(0, 100)).toEqual([]);
    await c.append(items(10, 1));
    expect(c.read(0, 100).map((e) => e.pos)).toEqual([10]);
  });

  it('does not double an event the loader hands over twice, and ignores a line cut by a crash', async () => {
    const a = await openOutbox({ dir, clock });
    await a.append(items(0, 3));
    await a.append(items(1, 3));
    expect(a.pending()).toBe(4);
    // Acknowledged, then handed over again (the loader retried a failed load): still not doubled.
    await a.ack([0]);
    await a.append(items(0, 1));
    expect(a.read(0, 100).map((e) => e.id)).toEqual(['src:m-1', 'src:m-2', 'src:m-3']);
    const [segment] = (await readdir(dir)).filter((f) => f.endsWith('.ndjson'));
    await appendFile(join(dir, segment!), '{"pos":99,"id":"src:cut","ro');
    const b = await openOutbox({ dir, clock });
    expect(b.read(0, 100).map((e) => e.id)).toEqual(['src:m-1', 'src:m-2', 'src:m-3']);
    expect(await readFile(join(dir, segment!), 'utf8')).toContain('src:cut');
  });

  it('refuses a cursor it cannot read, naming the file, instead of resending everything', async () => {
    const a = await openOutbox({ dir, clock });
    await a.append(items(0, 3));
    await a.ack([0]);
    expect(JSON.parse(await readFile(join(dir, 'cursor.json'), 'utf8'))).toEqual({ pos: 1 });
    for (const bad of ['{"pos": -1}', 'not json', '{"pos": "1"}']) {
      await writeFile(join(dir, 'cursor.json'), bad);
      await expect(openOutbox({ dir, clock })).rejects.toThrow(`forwarding outbox ${join(dir, 'cursor.json')}: the cursor is not {"pos": <entry position>}`);
    }
    await rm(join(dir, 'cursor.json'));
    // Removed on purpose: every entry still in the outbox is offered again.
    expect((await openOutbox({ dir, clock })).read(0, 10).map((e) => e.id)).toEqual(['src:m-0', 'src:m-1', 'src:m-2']);
  });

  it('wakes a waiting forwarder at the next append, or when its wait runs out on the clock', async () => {
    const box = await openOutbox({ dir, clock });
    const woke: string[] = [];
    const byAppend = box.waitForAppend(500).then(() => woke.push('append'));
    await box.append(items(0, 1));
    await byAppend;
    const byTime = box.waitForAppend(500).then(() => woke.push('time'));
    clock.advance(499);
    await new Promise((r) => setImmediate(r));
    expect(woke).toEqual(['append']);
    clock.advance(1);
    await byTime;
    expect(woke).toEqual(['append', 'time']);
    // Neither wait leaves a timer behind.
    expect(clock.timers()).toBe(0);
  });
});
