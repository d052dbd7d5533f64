import { describe, expect, it } from 'vitest';
import { createRateGate } from '../../src/activation/engine/rate-gate.js';

describe('rate gate: at most N requests in any window', () => {
  const clockAt = (t: { now: number }) => ({ now: () => t.now });

  it('sends a full window at once, then one per freed slot, never more than N in any window', () => {
    const t = { now: 0 };
    const gate = createRateGate({ requests: 3, windowMs: 1000 }, clockAt(t), { marginFraction: 0, marginMs: 0 });
    const sent: number[] = [];
    for (t.now = 0; t.now <= 5000; t.now += 10) while (gate.take().ok) sent.push(t.now);
    expect(sent.slice(0, 6)).toEqual([0, 0, 0, 1000, 1000, 1000]);
    for (const s of sent) expect(sent.filter((x) => x >= s && x < s + 1000).length).toBeLessThanOrEqual(3);
    expect(sent.length).toBe(18);
  });

  it('says how long to wait, and adds the margin to the window', () => {
    const t = { now: 0 };
    const gate = createRateGate({ requests: 1, windowMs: 1000 }, clockAt(t));
    expect(gate.take()).toEqual({ ok: true });
    t.now = 500;
    expect(gate.take()).toEqual({ ok: false, waitMs: 555 }); // 1000 * 1.03 + 25 - 500
    t.now = 1055;
    expect(gate.take()).toEqual({ ok: true });
  });

  it('a pause (the vendor said Retry-After) holds every request, even without a rate', () => {
    const t = { now: 0 };
    const gate = createRateGate(null, clockAt(t));
    expect(gate.take().ok).toBe(true);
    gate.pause(7000);
    t.now = 3000;
    expect(gate.take()).toEqual({ ok: false, waitMs: 4000 });
    t.now = 7000;
    expect(gate.take().ok).toBe(true);
  });

  it('refuses a nonsensical rate', () => {
    expect(() => createRateGate({ requests: 0, windowMs: 1000 }, { now: () => 0 })).toThrow(/requests >= 1/);
  });
});
