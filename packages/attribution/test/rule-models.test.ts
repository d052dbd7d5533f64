import { describe, expect, it } from 'vitest';
import { attribute, createAttribution, DAY_MS, RULE_MODELS, MODEL_NAMES, type ModelResult, type PathInput } from '../src/index.js';

const conv = (r: ModelResult | undefined, key: string) => r?.credits[key]?.conversions ?? 0;
const one = (paths: PathInput[], model: (typeof MODEL_NAMES)[number], params = {}) =>
  attribute(paths, [model], params).models[0] as ModelResult;
const CONVERTED = Date.UTC(2024, 0, 31);
const daysBefore = (d: number) => new Date(CONVERTED - d * DAY_MS).toISOString();

describe('time decay', () => {
  it("reproduces Google's table: 1 day → 1, 8 → 0.5, 15 → 0.25, 22 → 0.125 (7-day half-life)", () => {
    // Google Ads help table for time decay, research doc §1.1.
    const r = one([{ path: ['d22', 'd15', 'd8', 'd1'], times: [22, 15, 8, 1].map(daysBefore), converted_at: CONVERTED }], 'time_decay');
    const base = conv(r, 'd1');
    expect(conv(r, 'd8') / base).toBeCloseTo(0.5, 12);
    expect(conv(r, 'd15') / base).toBeCloseTo(0.25, 12);
    expect(conv(r, 'd22') / base).toBeCloseTo(0.125, 12);
    expect(base).toBeCloseTo(1 / 1.875, 12);
  });

  it('follows the half-life parameter', () => {
    const r = one([{ path: ['old', 'new'], times: [daysBefore(2), daysBefore(1)] }], 'time_decay', { halfLifeDays: 1 });
    expect(conv(r, 'old') / conv(r, 'new')).toBeCloseTo(0.5, 12);
  });

  it('gives equal weights to equal timestamps', () => {
    const t = daysBefore(3);
    const r = one([{ path: ['a', 'b', 'c'], times: [t, t, t] }], 'time_decay');
    for (const k of ['a', 'b', 'c']) expect(conv(r, k)).toBeCloseTo(1 / 3, 14);
  });

  it('refuses a path without times, naming the field and the way out', () => {
    const run = createAttribution(['time_decay']);
    const out = run.add({ path: ['a', 'b'] });
    expect(out.ok).toBe(false);
    if (!out.ok) {
      expect(out.field).toBe('times');
      expect(out.message).toMatch(/missingFacts: "fallback"/);
    }
    expect(run.result().totals.paths).toBe(0);
  });

  it('weights touches equally without times when missingFacts is fallback', () => {
    const r = one([{ path: ['a', 'b', 'a', 'c'] }], 'time_decay', { missingFacts: 'fallback' });
    expect(conv(r, 'a')).toBeCloseTo(0.5, 14);
    expect(conv(r, 'c')).toBeCloseTo(0.25, 14);
  });

  it('survives very old touches without underflowing every weight to zero', () => {
    const r = one([{ path: ['x', 'y'], times: [0, 1], converted_at: 1e13 }], 'time_decay', { lookbackDays: Infinity });
    expect(conv(r, 'x') + conv(r, 'y')).toBeCloseTo(1, 12);
  });
});

describe('position based', () => {
  it('A, A, B ⇒ A 60%, B 40% (optimizesmart published example)', () => {
    // optimizesmart.com/position-based-attribution-model-in-google-analytics/
    const r = one([{ path: ['A', 'A', 'B'], conversions: 1, value: 100 }], 'position_based');
    expect(conv(r, 'A')).toBeCloseTo(0.6, 14);
    expect(conv(r, 'B')).toBeCloseTo(0.4, 14);
    expect(r.credits['A']?.value).toBeCloseTo(60, 12);
  });

  it('40 / 20 split over the middle / 40', () => {
    const r = one([{ path: ['f', 'm1', 'm2', 'l'] }], 'position_based');
    expect([conv(r, 'f'), conv(r, 'm1'), conv(r, 'm2'), conv(r, 'l')].map((x) => +x.toFixed(12))).toEqual([0.4, 0.1, 0.1, 0.4]);
  });

  it('renormalises two touches to 50 / 50', () => {
    const r = one([{ path: ['f', 'l'] }], 'position_based');
    expect(conv(r, 'f')).toBeCloseTo(0.5, 14);
    expect(conv(r, 'l')).toBeCloseTo(0.5, 14);
  });

  it('takes configurable weights (and renormalises them for two touches)', () => {
    const params = { positionWeights: { first: 0.3, last: 0.5 } };
    const r = one([{ path: ['f', 'm', 'l'] }], 'position_based', params);
    expect([conv(r, 'f'), conv(r, 'm'), conv(r, 'l')].map((x) => +x.toFixed(12))).toEqual([0.3, 0.2, 0.5]);
    const two = one([{ path: ['f', 'l'] }], 'position_based', params);
    expect(conv(two, 'f')).toBeCloseTo(0.375, 14);
  });
});

describe('W-shaped and full path', () => {
  it('leadsources example: 30/30/30 to first, lead, opportunity and 4 middle touches × 2.5%', () => {
    // leadsources.io/?p=15960 worked example.
    const r = one([{ path: ['FT', 'm1', 'm2', 'LC', 'm3', 'm4', 'OC'], milestones: { lead: 3, opportunity: 6 } }], 'w_shaped');
    for (const k of ['FT', 'LC', 'OC']) expect(conv(r, k)).toBeCloseTo(0.3, 14);
    for (const k of ['m1', 'm2', 'm3', 'm4']) expect(conv(r, k)).toBeCloseTo(0.025, 14);
  });

  it('gives 0 to touches after the opportunity', () => {
    const r = one([{ path: ['FT', 'LC', 'm', 'OC', 'after1', 'after2'], milestones: { lead: 1, opportunity: 3 } }], 'w_shaped');
    expect(conv(r, 'after1')).toBe(0);
    expect(conv(r, 'm')).toBeCloseTo(0.1, 14);
    expect(Object.keys(r.credits)).not.toContain('after2');
  });

  it('sums the weights of milestones on the same touch (first = lead ⇒ 60%)', () => {
    const r = one([{ path: ['FT', 'm', 'OC'], milestones: { lead: 0, opportunity: 2 } }], 'w_shaped');
    expect(conv(r, 'FT')).toBeCloseTo(0.6, 14);
    expect(conv(r, 'm')).toBeCloseTo(0.1, 14);
    expect(conv(r, 'OC')).toBeCloseTo(0.3, 14);
  });

  it('renormalises the milestone weights when there is no middle touch', () => {
    const r = one([{ path: ['FT', 'LC', 'OC'], milestones: { lead: 1, opportunity: 2 } }], 'w_shaped');
    for (const k of ['FT', 'LC', 'OC']) expect(conv(r, k)).toBeCloseTo(1 / 3, 14);
    const merged = one([{ path: ['FT', 'OC'], milestones: { lead: 0, opportunity: 1 } }], 'w_shaped');
    expect(conv(merged, 'FT')).toBeCloseTo(2 / 3, 14);
  });

  it('full path: 22.5% × 4 milestones, 10% to the middle, 0 after the close', () => {
    const r = one(
      [{ path: ['FT', 'a', 'LC', 'b', 'OC', 'CL', 'later'], milestones: { lead: 2, opportunity: 4, close: 5 } }],
      'full_path',
    );
    for (const k of ['FT', 'LC', 'OC', 'CL']) expect(conv(r, k)).toBeCloseTo(0.225, 14);
    expect(conv(r, 'a')).toBeCloseTo(0.05, 14);
    expect(conv(r, 'later')).toBe(0);
    const none = one([{ path: ['FT', 'LC', 'OC', 'CL'], milestones: { lead: 1, opportunity: 2, close: 3 } }], 'full_path');
    for (const k of ['FT', 'LC', 'OC', 'CL']) expect(conv(none, k)).toBeCloseTo(0.25, 14);
  });

  it('refuses missing milestones by name, or puts them on the last touch with fallback', () => {
    const run = createAttribution(['full_path']);
    const out = run.add({ path: ['a', 'b'], milestones: { lead: 0 } });
    expect(out).toMatchObject({ ok: false, field: 'milestones.opportunity' });
    const r = one([{ path: ['a', 'b', 'c'] }], 'w_shaped', { missingFacts: 'fallback' });
    expect(conv(r, 'c')).toBeCloseTo(0.6, 14);
    expect(conv(r, 'b')).toBeCloseTo(0.1, 14);
  });

  it('refuses milestones out of range or out of funnel order', () => {
    const run = createAttribution(['w_shaped']);
    expect(run.add({ path: ['a'], milestones: { lead: 1, opportunity: 0 } })).toMatchObject({ ok: false, field: 'milestones.lead' });
    expect(run.add({ path: ['a', 'b'], milestones: { lead: 1, opportunity: 0 } })).toMatchObject({ ok: false, field: 'milestones.opportunity' });
  });
});

describe('last non-direct', () => {
  it('Display > Social > Paid Search > Direct ⇒ Paid Search (Google Ads help table)', () => {
    const r = one([{ path: ['Display', 'Organic Social', 'Paid Search', 'Direct'] }], 'last_non_direct');
    expect(r.credits).toEqual({ 'Paid Search': { conversions: 1, value: 0 } });
  });

  it('gives direct 100% when the whole path is direct', () => {
    const r = one([{ path: ['(direct)', '(direct)'], value: 5 }], 'last_non_direct');
    expect(r.credits).toEqual({ '(direct)': { conversions: 1, value: 5 } });
  });

  it('takes the caller’s direct labels, ignoring case', () => {
    const r = one([{ path: ['Email', 'NONE'] }], 'last_non_direct', { directLabels: ['none'] });
    expect(conv(r, 'Email')).toBe(1);
    // Without the label, NONE is a channel like any other.
    expect(conv(one([{ path: ['Email', 'NONE'] }], 'last_non_direct'), 'NONE')).toBe(1);
  });
});

describe('edge cases shared by every model', () => {
  it('credits an empty path to the (direct) bucket in every model', () => {
    const all = attribute([{ path: [], conversions: 2, value: 10 }], MODEL_NAMES);
    for (const m of all.models) expect(m.credits, m.model).toEqual({ '(direct)': { conversions: 2, value: 10 } });
    expect(all.totals.empty_path_conversions).toBe(2);
  });

  it('uses params.emptyPathChannel for the empty-path bucket', () => {
    const r = one([{ path: [] }], 'linear', { emptyPathChannel: 'Unknown' });
    expect(r.credits).toEqual({ Unknown: { conversions: 1, value: 0 } });
  });

  it('gives a one-touch path everything in every model', () => {
    const paths = [{ path: ['Email'], conversions: 3, value: 30, times: [daysBefore(2)], converted_at: CONVERTED, milestones: { lead: 0, opportunity: 0, close: 0 } }];
    const all = attribute(paths, MODEL_NAMES);
    for (const m of all.models) {
      expect(m.credits['Email']?.conversions, m.model).toBeCloseTo(3, 12);
      expect(m.credits['Email']?.value, m.model).toBeCloseTo(30, 12);
    }
  });

  it('credits a repeated channel per touch, then sums (linear counts repeats)', () => {
    const r = one([{ path: ['A', 'B', 'A', 'A'] }], 'linear');
    expect(conv(r, 'A')).toBeCloseTo(0.75, 14);
  });

  it('drops touches older than the lookback window, and the path becomes (direct) when none is left', () => {
    const kept = one([{ path: ['old', 'new'], times: [daysBefore(91), daysBefore(89)], converted_at: CONVERTED }], 'first_touch');
    expect(kept.credits).toEqual({ new: { conversions: 1, value: 0 } });
    const none = one([{ path: ['old'], times: [daysBefore(31)], converted_at: CONVERTED }], 'linear', { lookbackDays: 30 });
    expect(none.credits).toEqual({ '(direct)': { conversions: 1, value: 0 } });
  });

  it('moves a milestone on a dropped touch to the first kept touch', () => {
    const r = one(
      [{ path: ['lead', 'x', 'opp'], times: [daysBefore(120), daysBefore(10), daysBefore(1)], converted_at: CONVERTED, milestones: { lead: 0, opportunity: 2 } }],
      'w_shaped',
    );
    expect(conv(r, 'x')).toBeCloseTo(0.6 / 0.9, 14);
    expect(conv(r, 'opp')).toBeCloseTo(0.3 / 0.9, 14);
  });

  it('refuses bad numbers and bad times with the field at fault, crediting nothing', () => {
    const run = createAttribution(RULE_MODELS);
    expect(run.add({ path: ['a'], conversions: -1 })).toMatchObject({ ok: false, field: 'conversions' });
    expect(run.add({ path: ['a'], value: Number.NaN })).toMatchObject({ ok: false, field: 'value' });
    expect(run.add({ path: ['a', 'b'], times: ['2024-01-02T00:00:00Z'] })).toMatchObject({ ok: false, field: 'times' });
    expect(run.add({ path: ['a', 'b'], times: ['2024-01-02T00:00:00Z', 'soon'] })).toMatchObject({ ok: false, field: 'times[1]' });
    expect(run.add({ path: ['a', 'b'], times: [2, 1] })).toMatchObject({ ok: false, field: 'times[1]' });
    expect(run.add({ path: ['a'], times: [5], converted_at: 4 })).toMatchObject({ ok: false, field: 'converted_at' });
    expect(run.add({ path: ['a', 3 as unknown as string] })).toMatchObject({ ok: false, field: 'path[1]' });
    expect(run.result().totals.paths).toBe(0);
  });
});

describe('summaries', () => {
  it('reports top paths, touches to convert and time to convert', () => {
    const r = attribute(
      [
        { path: ['a', 'b'], conversions: 3, value: 30, times: [daysBefore(5), daysBefore(0.5)], converted_at: CONVERTED },
        { path: ['a'], conversions: 1, value: 5, times: [daysBefore(2.5)], converted_at: CONVERTED },
        { path: ['a', 'b'], conversions: 1, value: 10 },
        { path: ['c'], conversions: 0, nulls: 7 },
      ],
      ['linear'],
    );
    expect(r.top_paths?.paths[0]).toEqual({ path: ['a', 'b'], conversions: 4, value: 40, nulls: 0 });
    expect(r.top_paths?.paths).toHaveLength(2);
    expect(r.touches_to_convert?.by_touches).toEqual([
      { touches: 1, conversions: 1 },
      { touches: 2, conversions: 4 },
    ]);
    expect(r.touches_to_convert?.mean).toBeCloseTo(9 / 5, 14);
    expect(r.touches_to_convert?.median).toBe(2);
    expect(r.time_to_convert?.by_day).toEqual([
      { days: 2, conversions: 1 },
      { days: 5, conversions: 3 },
    ]);
    expect(r.time_to_convert?.conversions).toBe(4);
    expect(r.totals).toEqual({ paths: 4, conversions: 5, value: 45, nulls: 7, empty_path_conversions: 0 });
  });

  it('with pathsAreDistinct, keeps only a heap of the heaviest records and lists them exactly', () => {
    const run = createAttribution(['linear'], { topPaths: 3, pathsAreDistinct: true });
    const weights = [5, 1, 9, 3, 9, 7, 2, 8];
    weights.forEach((c, i) => run.add({ path: [`p${i}`, 'x'], conversions: c, value: i }));
    expect(run.stateSize().topPaths).toBe(3);
    expect(run.result().top_paths).toEqual({
      approximate: false,
      paths: [
        { path: ['p4', 'x'], conversions: 9, value: 4, nulls: 0 },
        { path: ['p2', 'x'], conversions: 9, value: 2, nulls: 0 },
        { path: ['p7', 'x'], conversions: 8, value: 7, nulls: 0 },
      ],
    });
  });

  it('computes only the summaries asked for: the others are absent, and top paths keep no state', () => {
    const paths = [
      { path: ['a', 'b'], conversions: 3, value: 30, times: [daysBefore(5), daysBefore(0.5)], converted_at: CONVERTED },
      { path: ['c'], conversions: 1 },
    ];
    const none = createAttribution(['linear'], { summaries: [] });
    const some = createAttribution(['linear'], { summaries: ['time_to_convert'] });
    for (const p of paths) {
      none.add(p);
      some.add(p);
    }
    const r = none.result();
    expect(Object.keys(r).sort()).toEqual(['models', 'totals']);
    expect(none.stateSize().topPaths).toBe(0);
    expect(Object.keys(some.result()).sort()).toEqual(['models', 'time_to_convert', 'totals']);
    expect(some.result().time_to_convert?.by_day).toEqual([{ days: 5, conversions: 3 }]);
    // The credits do not depend on which summaries run.
    expect(r.models).toEqual(attribute(paths, ['linear']).models);
    expect(() => createAttribution(['linear'], { summaries: ['top_path' as 'top_paths'] })).toThrow(/`summaries` must list some of top_paths, time_to_convert, touches_to_convert \(got "top_path"\)/);
  });

  it('keeps top paths within capacity and says when the report became approximate', () => {
    const run = createAttribution(['first_touch'], { topPaths: 2, topPathsCapacity: 4 });
    run.add({ path: ['big'], conversions: 100 });
    for (let i = 0; i < 50; i++) {
      run.add({ path: [`rare${i}`] });
      run.add({ path: ['second'], conversions: 3 });
    }
    expect(run.stateSize().topPaths).toBeLessThanOrEqual(4);
    const top = run.result().top_paths;
    expect(top?.approximate).toBe(true);
    expect(top?.paths.map((p) => [p.path[0], p.conversions])).toEqual([
      ['second', 150],
      ['big', 100],
    ]);
  });
});
