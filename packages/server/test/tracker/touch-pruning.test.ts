import { describe, expect, it } from 'vitest';
import { memoryTouchStore, schedulePruning } from '../../src/tracker-endpoint/touch-store.js';
import { manualClock } from '../support/manual-clock.js';

const HOUR = 3_600_000;

describe('touch store pruning by the injected clock', () => {
  it('prunes at once and then every interval, forgetting visitors whose cookie expired by then', async () => {
    const clock = manualClock(Date.parse('2026-12-07T00:00:00.000Z'));
    const store = memoryTouchStore();
    const seen = (iso: string) => ({ seen: iso });
    await store.update('old', () => seen('2026-11-01T00:00:00.000Z'));
    await store.update('recent', () => seen('2026-12-06T20:00:00.000Z'));
    const logs: string[] = [];
    // Cookies last 30 days: 'old' has expired already; 'recent' expires once the clock passes 5 January.
    const stop = schedulePruning(store, 30 * 24 * HOUR, clock, (m) => void logs.push(m), 6 * HOUR);
    await Promise.resolve();
    expect([await store.get('old'), (await store.get('recent'))?.seen]).toEqual([undefined, '2026-12-06T20:00:00.000Z']);
    clock.advance(30 * 24 * HOUR - 6 * HOUR);
    await Promise.resolve();
    expect(await store.get('recent')).toBeDefined();
    clock.advance(6 * HOUR);
    await Promise.resolve();
    expect(await store.get('recent')).toBeUndefined();
    expect(logs).toEqual(['forgot visitors whose cookie expired', 'forgot visitors whose cookie expired']);
    stop();
    expect(clock.timers()).toBe(0);
  });
});
