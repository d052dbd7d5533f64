import { describe, expect, it } from 'vitest';
import { attribute, createAttribution, MODEL_NAMES, type ModelResult, type PathInput } from '../src/index.js';
import { randomPaths } from './random-paths.js';

const credits = (paths: PathInput[], params = {}) => Object.fromEntries(attribute(paths, MODEL_NAMES, params).models.map((m) => [m.model, m.credits]));
const conv = (m: ModelResult | undefined, k: string) => m?.credits[k]?.conversions ?? 0;
const DAY = 86_400_000;

describe('direct touches: GA4 by default (no credit beside another touch), or a channel like any other', () => {
  const journey: PathInput = {
    path: ['Display', 'Direct', 'Paid Search', 'Direct'],
    conversions: 1,
    value: 100,
    times: [10, 6, 3, 1].map((d) => -d * DAY),
    converted_at: 0,
    milestones: { lead: 1, opportunity: 3, close: 3 },
  };

  it('gives Direct nothing in any model when the path holds another touch', () => {
    const all = credits([journey]);
    for (const [model, c] of Object.entries(all)) {
      expect(c['Direct'], model).toBeUndefined();
      const total = Object.values(c).reduce((s, x) => s + x.conversions, 0);
      expect(total, model).toBeCloseTo(1, 12);
    }
    expect(all['last_touch']).toEqual({ 'Paid Search': { conversions: 1, value: 100 } });
    expect(all['first_touch']).toEqual({ Display: { conversions: 1, value: 100 } });
    expect(all['linear']).toEqual({ Display: { conversions: 0.5, value: 50 }, 'Paid Search': { conversions: 0.5, value: 50 } });
    // Two touches left: position based renormalises to 50/50.
    expect(all['position_based']?.['Display']?.conversions).toBeCloseTo(0.5, 14);
    // The lead (on the first Direct) moves to the last kept touch before it, Display; the
    // opportunity (on the last Direct) to Paid Search: W-shaped is 60 / 30, renormalised.
    expect(all['w_shaped']?.['Display']?.conversions).toBeCloseTo(0.6 / 0.9, 14);
    expect(all['w_shaped']?.['Paid Search']?.conversions).toBeCloseTo(0.3 / 0.9, 14);
    // Time decay keeps each kept touch's own age: 10 and 3 days, 7-day half-life.
    const old = 2 ** (-7 / 7);
    expect(all['time_decay']?.['Display']?.conversions).toBeCloseTo(old / (old + 1), 14);
  });

  it('credits Direct when the path is nothing but direct touches (and an empty path, as before)', () => {
    const all = credits([{ path: ['Direct', 'Direct'], conversions: 2, value: 8, times: [-2 * DAY, -DAY], converted_at: 0, milestones: { lead: 0, opportunity: 1, close: 1 } }, { path: [], conversions: 1 }]);
    for (const [model, c] of Object.entries(all)) {
      expect(Object.keys(c).sort(), model).toEqual(['(direct)', 'Direct']);
      expect(c['Direct']?.conversions, model).toBeCloseTo(2, 12);
      expect(c['(direct)']?.conversions, model).toBeCloseTo(1, 12);
    }
  });

  it('knows the labels in any case, and takes the caller’s labels', () => {
    const r = attribute([{ path: ['Email', 'DIRECT', '(Direct) / (None)', '(direct)'] }], ['linear']).models[0];
    expect(r?.credits).toEqual({ Email: { conversions: 1, value: 0 } });
    const custom = attribute([{ path: ['Email', 'Typed-in'] }], ['last_touch'], { directLabels: ['typed-in'] }).models[0];
    expect(custom?.credits).toEqual({ Email: { conversions: 1, value: 0 } });
    // A label is matched whole: "Direct Mail" is a channel.
    expect(conv(attribute([{ path: ['Email', 'Direct Mail'] }], ['last_touch']).models[0], 'Direct Mail')).toBe(1);
  });

  it("'credit' makes Direct a channel like any other", () => {
    const all = credits([journey], { direct: 'credit' });
    expect(all['last_touch']).toEqual({ Direct: { conversions: 1, value: 100 } });
    expect(all['linear']?.['Direct']?.conversions).toBeCloseTo(0.5, 14);
    // Last non-direct still skips it: that model is defined by it.
    expect(all['last_non_direct']).toEqual({ 'Paid Search': { conversions: 1, value: 100 } });
  });

  it('summaries show the path as it happened, direct touches included', () => {
    const r = attribute([journey], ['linear']);
    expect(r.top_paths?.paths[0]?.path).toEqual(journey.path);
    expect(r.touches_to_convert?.by_touches).toEqual([{ touches: 4, conversions: 1 }]);
    expect(r.time_to_convert?.by_day).toEqual([{ days: 10, conversions: 1 }]);
  });

  it('equals crediting, by a reference written here, the paths with their direct touches taken out', () => {
    // Independent of the engine's in-place removal: filter the inputs, move milestones by hand.
    const isDirect = (c: string) => c === '(direct)';
    const byHand = (p: PathInput): PathInput => {
      if (p.path.every(isDirect)) return p;
      const keep = p.path.map((c) => !isDirect(c));
      const moved = (at: number | undefined) => {
        if (at === undefined) return undefined;
        const before = keep.slice(0, at + 1).filter(Boolean).length;
        return Math.max(0, before - 1);
      };
      const m = p.milestones;
      return {
        ...p,
        path: p.path.filter((_, i) => keep[i]),
        ...(p.times ? { times: p.times.filter((_, i) => keep[i]) } : {}),
        ...(m ? { milestones: { lead: moved(m.lead), opportunity: moved(m.opportunity), close: moved(m.close) } } : {}),
      } as PathInput;
    };
    for (const seed of [41, 42, 43]) {
      const paths = randomPaths(300, seed, { channels: 7 });
      expect(paths.some((p) => p.path.includes('(direct)') && !p.path.every(isDirect)), 'mixed paths').toBe(true);
      const engine = attribute(paths, [...MODEL_NAMES, { model: 'markov', order: 2, name: 'markov_2' }], { lookbackDays: Infinity });
      const reference = attribute(paths.map(byHand), [...MODEL_NAMES, { model: 'markov', order: 2, name: 'markov_2' }], { lookbackDays: Infinity, direct: 'credit' });
      for (const [i, m] of engine.models.entries()) {
        const r = reference.models[i] as ModelResult;
        expect(Object.keys(m.credits).sort(), m.model).toEqual(Object.keys(r.credits).sort());
        for (const [k, c] of Object.entries(r.credits)) {
          expect(m.credits[k]?.conversions, `${m.model} ${k}`).toBeCloseTo(c.conversions, 9);
          expect(m.credits[k]?.value, `${m.model} ${k}`).toBeCloseTo(c.value, 7);
        }
      }
    }
  });

  it('refuses a policy or labels it does not know, naming the parameter', () => {
    expect(() => createAttribution(['linear'], { direct: 'drop' as 'ignore' })).toThrow(/`direct` must be 'ignore' or 'credit'/);
    expect(() => createAttribution(['linear'], { directLabels: ['direct', ''] })).toThrow(/`directLabels` must be a list of non-empty strings/);
    expect(() => createAttribution(['markov'], { markov: { emptyPaths: 'spread' as 'direct' } })).toThrow(/`markov.emptyPaths` must be 'direct' or 'redistribute'/);
  });
});
