import { describe, expect, it } from 'vitest';
import { attribute, type ModelResult, type PathInput } from '../src/index.js';
import { q, referenceMarkov, type Rational, type ReferencePath } from './markov-reference.js';

const credit = (r: ModelResult, key: string) => r.credits[key]?.conversions ?? Number.NaN;

// Bryl, "Marketing Multi-Channel Attribution model with R (part 1: Markov chains concept)",
// analyzecore.com 2016; numbers as encoded in JesseCastro/markovattribution test/test.js.
const BRYL: PathInput[] = [
  { path: ['C1', 'C2', 'C3'], conversions: 1, value: 1000 },
  { path: ['C1'], conversions: 0, nulls: 1 },
  { path: ['C2', 'C3'], conversions: 0, nulls: 1 },
];

// ChannelAttribution vignette (cran/ChannelAttribution vignettes/vignette.pdf @ae1b26f): three
// converting paths over A and B; importance A = 1, B = 0.5; conversions A = 2, B = 1.
const VIGNETTE: PathInput[] = [
  { path: ['A', 'B', 'A', 'B', 'B', 'A'], conversions: 1 },
  { path: ['A', 'B', 'B', 'A', 'A'], conversions: 1 },
  { path: ['A', 'A'], conversions: 1 },
];

// Serhii Puzyrov, "Attribution modeling in Python" (serhiipuzyrov.com, 2019).
const PUZYROV: PathInput[] = [
  { path: ['google ads'], conversions: 1 },
  { path: ['google ads'], conversions: 1 },
  { path: ['mailing'], conversions: 1 },
  { path: ['google ads', 'mailing'], conversions: 1 },
  { path: ['google ads'], conversions: 0, nulls: 1 },
];

describe('Markov removal effect: published worked examples', () => {
  it('Bryl: shares 0.2 / 0.4 / 0.4, value 200 / 400 / 400, P(conv) = 1/3', () => {
    const [m] = attribute(BRYL, ['markov']).models as [ModelResult];
    expect(m.p_conversion?.conversions).toBeCloseTo(1 / 3, 14);
    expect(m.removal_effects?.['C1']?.conversions).toBeCloseTo(0.5, 14);
    expect(m.removal_effects?.['C2']?.conversions).toBeCloseTo(1, 14);
    expect(credit(m, 'C1')).toBeCloseTo(0.2, 14);
    expect(credit(m, 'C2')).toBeCloseTo(0.4, 14);
    expect(credit(m, 'C3')).toBeCloseTo(0.4, 14);
    expect(m.credits['C1']?.value).toBeCloseTo(200, 10);
    expect(m.credits['C2']?.value).toBeCloseTo(400, 10);
    expect(m.credits['C3']?.value).toBeCloseTo(400, 10);
  });

  it('ChannelAttribution vignette: A = 2, B = 1 exactly (infinite horizon), with and without self-loops', () => {
    const [m] = attribute(VIGNETTE, ['markov']).models as [ModelResult];
    expect(credit(m, 'A')).toBeCloseTo(2, 13);
    expect(credit(m, 'B')).toBeCloseTo(1, 13);
    expect(m.removal_effects?.['A']?.conversions).toBeCloseTo(1, 14);
    expect(m.removal_effects?.['B']?.conversions).toBeCloseTo(0.5, 14);
    const noLoops = VIGNETTE.map((p) => ({ ...p, path: p.path.filter((c, i) => c !== p.path[i - 1]) }));
    const [n] = attribute(noLoops, ['markov']).models as [ModelResult];
    expect(credit(n, 'A')).toBeCloseTo(2, 13);
  });

  it("ChannelAttribution vignette with the package's max_step truncation: A = 2.1, B = 0.9, RE_B = 3/7", () => {
    const [m] = attribute(VIGNETTE, ['markov'], { markov: { truncation: 'channelattribution' } }).models as [ModelResult];
    expect(m.max_step).toBe(6);
    expect(credit(m, 'A')).toBeCloseTo(2.1, 13);
    expect(credit(m, 'B')).toBeCloseTo(0.9, 13);
    expect(m.removal_effects?.['B']?.conversions).toBeCloseTo(3 / 7, 13);
  });

  it('vignette: first and last touch give everything to A', () => {
    const r = attribute(VIGNETTE, ['first_touch', 'last_touch']).models;
    for (const m of r) expect(m.credits).toEqual({ A: { conversions: 3, value: 0 } });
  });

  it('Puzyrov: the published transition table', () => {
    const [m] = attribute(PUZYROV, ['markov'], { markov: { transitions: true } }).models as [ModelResult];
    const t = m.transitions ?? {};
    expect(t['(start)']?.['google ads']).toBeCloseTo(0.8, 14);
    expect(t['(start)']?.['mailing']).toBeCloseTo(0.2, 14);
    expect(t['google ads']?.['(conversion)']).toBeCloseTo(0.5, 14);
    expect(t['google ads']?.['mailing']).toBeCloseTo(0.25, 14);
    expect(t['google ads']?.['(null)']).toBeCloseTo(0.25, 14);
    expect(t['mailing']).toEqual({ '(conversion)': 1 });
  });

  it('Puzyrov: P(conv) 0.8, RE 0.75 / 0.5, conversions 2.4 / 1.6', () => {
    const [m] = attribute(PUZYROV, ['markov']).models as [ModelResult];
    expect(m.p_conversion?.conversions).toBeCloseTo(0.8, 14);
    expect(m.removal_effects?.['google ads']?.conversions).toBeCloseTo(0.75, 14);
    expect(m.removal_effects?.['mailing']?.conversions).toBeCloseTo(0.5, 14);
    expect(credit(m, 'google ads')).toBeCloseTo(2.4, 13);
    expect(credit(m, 'mailing')).toBeCloseTo(1.6, 13);
  });

  it('empty paths: credited to (direct) by default, or redistributed to channels as ChannelAttribution does', () => {
    const withEmpty = [...VIGNETTE, { path: [], conversions: 1 }];
    const [direct] = attribute(withEmpty, ['markov']).models as [ModelResult];
    expect(credit(direct, 'A')).toBeCloseTo(2, 13);
    expect(credit(direct, '(direct)')).toBe(1);
    // In the chain, (start)→(conversion) carries 1/4: P(−A) = 1/4, P(−B) = 3/4·1/2 + 1/4.
    const [spread] = attribute(withEmpty, ['markov'], { markov: { emptyPaths: 'redistribute' } }).models as [ModelResult];
    expect(spread.credits['(direct)']).toBeUndefined();
    expect(credit(spread, 'A')).toBeCloseTo((4 * 0.75) / 1.125, 13);
    expect(credit(spread, 'B')).toBeCloseTo((4 * 0.375) / 1.125, 13);
  });

  it('value weighting: each state’s conversion probability is weighted by the mean value of conversions ending there', () => {
    // Hand-computed: P = 2/3, Pval = 2/3·1/2·100 + 1/3·10 = 110/3. Removing A or B leaves 10/3,
    // removing C leaves 100/3: REv = 10/11, 10/11, 1/11, while every conversion RE is 1/2.
    const paths = [
      { path: ['A', 'B'], conversions: 1, value: 100 },
      { path: ['C'], conversions: 1, value: 10 },
      { path: ['A'], conversions: 0, nulls: 1 },
    ];
    const [m] = attribute(paths, ['markov']).models as [ModelResult];
    expect(m.p_conversion?.value).toBeCloseTo(110 / 3, 12);
    expect(m.removal_effects?.['C']).toEqual({ conversions: expect.closeTo(0.5, 14), value: expect.closeTo(1 / 11, 14) });
    for (const k of ['A', 'B', 'C']) expect(credit(m, k)).toBeCloseTo(2 / 3, 13);
    expect(m.credits['A']?.value).toBeCloseTo((10 / 21) * 110, 10);
    expect(m.credits['C']?.value).toBeCloseTo((1 / 21) * 110, 10);
  });

  it('the tests’ exact reference solver reproduces the same published figures (so it can judge higher orders)', () => {
    const asRef = (paths: PathInput[]): ReferencePath[] =>
      paths.map((p) => ({ path: p.path, conversions: p.conversions ?? 1, value: p.value ?? 0, nulls: p.nulls ?? 0 }));
    const conv = (m: ReadonlyMap<string, { conversions: Rational }>, k: string) => m.get(k)?.conversions;
    const bryl = referenceMarkov(asRef(BRYL), { order: 1, emptyPaths: 'direct' });
    expect(bryl.pConversion).toEqual(q(1, 3));
    expect([conv(bryl.credits, 'C1'), conv(bryl.credits, 'C2'), conv(bryl.credits, 'C3')]).toEqual([q(1, 5), q(2, 5), q(2, 5)]);
    expect(bryl.credits.get('C2')?.value).toEqual(q(400));
    const vignette = referenceMarkov(asRef(VIGNETTE), { order: 1, emptyPaths: 'direct' });
    expect([conv(vignette.credits, 'A'), conv(vignette.credits, 'B')]).toEqual([q(2), q(1)]);
    const truncated = referenceMarkov(asRef(VIGNETTE), { order: 1, emptyPaths: 'direct', maxSteps: 'channelattribution' });
    expect(truncated.maxSteps).toBe(6);
    expect([conv(truncated.credits, 'A'), conv(truncated.credits, 'B')]).toEqual([q(21, 10), q(9, 10)]);
    expect(truncated.removalEffects.get('B')?.conversions).toEqual(q(3, 7));
    const puzyrov = referenceMarkov(asRef(PUZYROV), { order: 1, emptyPaths: 'direct' });
    expect([conv(puzyrov.credits, 'google ads'), conv(puzyrov.credits, 'mailing')]).toEqual([q(12, 5), q(8, 5)]);
  });
});
