import { describe, expect, it } from 'vitest';
import { createPairTable } from '../src/markov/pair-table.js';
import { Transitions } from '../src/markov/transitions.js';
import { seededRandom } from '../src/index.js';

/** The reference: a Map of "from>to" to the sum of weights in insertion order. */
function reference(edges: readonly [number, number, number][]): Map<string, number> {
  const m = new Map<string, number>();
  for (const [f, t, w] of edges) m.set(`${f}>${t}`, (m.get(`${f}>${t}`) ?? 0) + w);
  return m;
}

function collect(t: Transitions): Map<string, number> {
  const m = new Map<string, number>();
  t.forEach((f, to, w) => {
    expect(m.has(`${f}>${to}`), `pair ${f}>${to} listed twice`).toBe(false);
    m.set(`${f}>${to}`, w);
  });
  return m;
}

describe('Markov transition weights', () => {
  it('dense, grown, and past the dense limit, equal a plain map to the last bit', () => {
    const random = seededRandom(3);
    for (const [states, denseStates] of [[40, 512], [300, 512], [900, 512], [200, 64]] as const) {
      const edges: [number, number, number][] = [];
      for (let i = 0; i < 20_000; i++) edges.push([Math.floor(random() * states), Math.floor(random() * states), 0.25 + Math.floor(random() * 40) / 4]);
      const t = new Transitions(denseStates);
      for (const [f, to, w] of edges) t.add(f, to, w);
      const want = reference(edges);
      expect(t.count, `${states} states`).toBe(want.size);
      expect(collect(t), `${states} states`).toEqual(want);
    }
  });

  it('pair table: one slot per distinct pair, in first-seen order, through every resize', () => {
    const table = createPairTable(4);
    const random = seededRandom(9);
    const slots = new Map<string, number>();
    for (let i = 0; i < 50_000; i++) {
      const a = Math.floor(random() * 400);
      const b = Math.floor(random() * 400);
      const key = `${a},${b}`;
      const s = table.slot(a, b);
      if (!slots.has(key)) slots.set(key, slots.size);
      expect(s).toBe(slots.get(key));
    }
    expect(table.size).toBe(slots.size);
  });
});
