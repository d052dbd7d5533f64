import { describe, expect, it } from 'vitest';
import { attribute, createAttribution, MODEL_NAMES, type ModelResult, type PathInput } from '../src/index.js';
import { randomPaths } from './random-paths.js';

/** The same path without times or milestones (for models and checks that must not see them). */
const untimed = (p: PathInput): PathInput => ({ path: p.path, conversions: p.conversions ?? 1, value: p.value ?? 0, nulls: p.nulls ?? 0 });
const sum = (r: ModelResult, key: 'conversions' | 'value') => Object.values(r.credits).reduce((s, c) => s + c[key], 0);
const ALL = MODEL_NAMES;

describe('invariants on seeded random paths', () => {
  for (const seed of [1, 2, 3]) {
    it(`every model distributes exactly the conversions and value it was given (seed ${seed})`, () => {
      const paths = randomPaths(400, seed);
      const r = attribute(paths, ALL);
      expect(r.totals.conversions).toBeGreaterThan(100);
      for (const m of r.models) {
        expect(sum(m, 'conversions'), m.model).toBeCloseTo(r.totals.conversions, 8);
        expect(sum(m, 'value'), m.model).toBeCloseTo(r.totals.value, 6);
        for (const c of Object.values(m.credits)) expect(c.conversions, m.model).toBeGreaterThanOrEqual(-1e-12);
      }
    });
  }

  it('Markov: credits are the removal effects normalised, RE in [0, 1]', () => {
    const paths = randomPaths(500, 7).map(untimed);
    for (const order of [1, 2, 3, 4]) {
      const [m] = attribute(paths, [{ model: 'markov', order }]).models as [ModelResult];
      const re = m.removal_effects ?? {};
      const nonEmpty = paths.filter((p) => p.path.length > 0);
      const conversions = nonEmpty.reduce((s, p) => s + (p.conversions ?? 1), 0);
      const value = nonEmpty.reduce((s, p) => s + (p.value ?? 0), 0);
      const sumRe = Object.values(re).reduce((s, x) => s + x.conversions, 0);
      const sumReValue = Object.values(re).reduce((s, x) => s + x.value, 0);
      // Empty paths go to the (direct) bucket on top of (direct)'s own removal-effect share.
      const empty = paths.filter((p) => p.path.length === 0);
      const emptyConversions = empty.reduce((s, p) => s + (p.conversions ?? 1), 0);
      const emptyValue = empty.reduce((s, p) => s + (p.value ?? 0), 0);
      expect(emptyConversions).toBeGreaterThan(0);
      expect(Object.keys(re).length).toBeGreaterThan(3);
      for (const [channel, x] of Object.entries(re)) {
        const plus = channel === '(direct)' ? [emptyConversions, emptyValue] : [0, 0];
        expect(x.conversions).toBeGreaterThan(0);
        expect(x.conversions).toBeLessThanOrEqual(1 + 1e-12);
        expect(m.credits[channel]?.conversions, `order ${order} ${channel}`).toBeCloseTo((x.conversions / sumRe) * conversions + (plus[0] as number), 9);
        expect(m.credits[channel]?.value, `order ${order} ${channel}`).toBeCloseTo((x.value / sumReValue) * value + (plus[1] as number), 6);
      }
      expect(m.p_conversion?.conversions).toBeGreaterThan(0);
      expect(m.p_conversion?.conversions).toBeLessThan(1);
    }
  });

  it('Markov order k = 1..4 agrees with last touch when no path has more than one touch', () => {
    // With one-touch paths there is no interaction: removing c loses exactly c's conversions.
    const paths = randomPaths(300, 11).map((p) => ({ path: p.path.slice(0, 1), conversions: p.conversions ?? 0, nulls: p.nulls ?? 0 }));
    const last = attribute(paths, ['last_touch']).models[0] as ModelResult;
    for (const order of [1, 2, 3, 4]) {
      const [m] = attribute(paths, [{ model: 'markov', order }]).models as [ModelResult];
      for (const [k, c] of Object.entries(last.credits)) expect(m.credits[k]?.conversions, `order ${order} ${k}`).toBeCloseTo(c.conversions, 9);
    }
  });

  it('Markov: a channel seen only on paths that never convert gets no credit', () => {
    const paths = [...randomPaths(200, 5), { path: ['Ghost'], conversions: 0, nulls: 50 }, { path: ['Ghost', 'Ghost'], conversions: 0, nulls: 3 }];
    for (const order of [1, 2, 3, 4]) {
      const [m] = attribute(paths, [{ model: 'markov', order }]).models as [ModelResult];
      expect(m.credits['Ghost']?.conversions ?? 0).toBeCloseTo(0, 12);
    }
  });

  it('Shapley efficiency: φ sums to the conversions, and ordered positions sum to each channel’s credit', () => {
    const r = attribute(randomPaths(300, 9), ['shapley', 'ordered_shapley']);
    const [simple, ordered] = r.models as [ModelResult, ModelResult];
    expect(sum(simple, 'conversions')).toBeCloseTo(r.totals.conversions, 9);
    for (const [k, c] of Object.entries(simple.credits)) {
      expect(ordered.credits[k]?.conversions).toBeCloseTo(c.conversions, 9);
      if (k === '(direct)' && !ordered.positions?.[k]) continue;
      const positions = ordered.positions?.[k] ?? [];
      expect(positions.reduce((s, x) => s + x, 0), k).toBeCloseTo(c.conversions - (k === '(direct)' ? r.totals.empty_path_conversions : 0), 9);
    }
  });

  it('streaming one path at a time equals attributing them all at once, and equals pre-aggregated input', () => {
    const paths = randomPaths(300, 4).map(untimed);
    const models = ALL.filter((m) => !['time_decay', 'w_shaped', 'full_path'].includes(m));
    const whole = attribute(paths, models);
    const run = createAttribution(models);
    paths.forEach((p, i) => {
      expect(run.add(p).ok).toBe(true);
      if (i === 150) run.result(); // asking midway must not disturb the run
    });
    const streamed = run.result();
    // Aggregate identical paths, as SQL would.
    const groups = new Map<string, { path: string[]; conversions: number; value: number; nulls: number }>();
    for (const p of paths) {
      const key = JSON.stringify(p.path);
      const g = groups.get(key) ?? { path: [...p.path], conversions: 0, value: 0, nulls: 0 };
      g.conversions += p.conversions ?? 1;
      g.value += p.value ?? 0;
      g.nulls += p.nulls ?? 0;
      groups.set(key, g);
    }
    expect(groups.size).toBeLessThan(paths.length);
    const aggregated = attribute([...groups.values()].reverse(), models);
    for (const [i, m] of whole.models.entries()) {
      expect(streamed.models[i]).toEqual(m);
      const a = aggregated.models[i] as ModelResult;
      for (const [k, c] of Object.entries(m.credits)) {
        expect(a.credits[k]?.conversions, `${m.model} ${k}`).toBeCloseTo(c.conversions, 9);
        expect(a.credits[k]?.value, `${m.model} ${k}`).toBeCloseTo(c.value, 6);
      }
    }
  });

  it('state stays bounded: adding the same paths again does not grow it', () => {
    const base = randomPaths(50, 3);
    const run = createAttribution([...ALL, { model: 'markov', order: 3, name: 'markov_3' }], { shapley: { characteristic: 'subset' } });
    const exact = createAttribution(['shapley'], { shapley: { characteristic: 'exact' } });
    for (const p of base) {
      run.add(p);
      exact.add(p);
    }
    const before = run.stateSize();
    const beforeExact = exact.stateSize();
    for (let round = 0; round < 200; round++) {
      for (const p of base) {
        run.add(p);
        exact.add(p);
      }
    }
    expect(run.stateSize()).toEqual(before);
    expect(exact.stateSize()).toEqual(beforeExact);
    expect(run.result().totals.paths).toBe(50 * 201);
  });
});
