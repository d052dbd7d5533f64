/**
 * An exact Markov removal-effect solver written for the tests from the definition alone
 * (research doc §2.1–2.2, ChannelAttribution's chain), sharing no code with the engine: states
 * are strings, counts are Maps, arithmetic is exact over rationals (BigInt), and the absorbing
 * chain is solved by plain Gaussian elimination. Slow and small on purpose: it is the oracle.
 *
 * The definition, order k:
 * - a path's states are the sliding windows of k consecutive touches as they occurred (a path
 *   shorter than k is one state), then consecutive identical states merged;
 * - every path adds conversions + nulls to each transition (start → first state → … → last
 *   state), conversions to last → (conversion), nulls to last → (null);
 * - P(conv) is the probability of absorption in (conversion) from (start); removing channel c
 *   sends every state whose window contains c to (null); RE_c = 1 − P(conv | −c) / P(conv);
 *   credit_c = RE_c / Σ RE × conversions in the chain;
 * - value: a state's step into (conversion) is weighted by the mean value of the conversions
 *   whose last state it was, and the same removal effects are taken of that absorption;
 * - empty paths: `direct` keeps them out of the chain and credits their conversions to the
 *   empty-path bucket; `redistribute` adds (start) → (conversion) / (null) edges;
 * - truncation T: a walk converts only if it reaches (conversion) through at most T channel
 *   states (ChannelAttribution's max_step; its default T = most states on any path + 1).
 */

export interface Rational {
  readonly n: bigint;
  readonly d: bigint;
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

export function q(n: bigint | number, d: bigint | number = 1n): Rational {
  let nn = BigInt(n);
  let dd = BigInt(d);
  if (dd === 0n) throw new Error('division by zero');
  if (dd < 0n) {
    nn = -nn;
    dd = -dd;
  }
  const g = gcd(nn, dd);
  return g > 1n ? { n: nn / g, d: dd / g } : { n: nn, d: dd };
}

export const ZERO = q(0);
export const ONE = q(1);
export const add = (a: Rational, b: Rational) => q(a.n * b.d + b.n * a.d, a.d * b.d);
export const sub = (a: Rational, b: Rational) => q(a.n * b.d - b.n * a.d, a.d * b.d);
export const mul = (a: Rational, b: Rational) => q(a.n * b.n, a.d * b.d);
export const div = (a: Rational, b: Rational) => q(a.n * b.d, a.d * b.n);
export const isZero = (a: Rational) => a.n === 0n;

function bits(x: bigint): number {
  return (x < 0n ? -x : x).toString(2).length;
}

/** The nearest double (both parts shifted into range first, so huge numerators do not overflow). */
export function toNumber(a: Rational): number {
  const shift = Math.max(bits(a.n), bits(a.d)) - 900;
  if (shift <= 0) return Number(a.n) / Number(a.d);
  const s = BigInt(shift);
  return Number(a.n >> s) / Number(a.d >> s);
}

export interface ReferencePath {
  readonly path: readonly string[];
  /** Integers, like ChannelAttribution's counts. */
  readonly conversions: number;
  readonly value: number;
  readonly nulls: number;
}

export interface ReferenceOptions {
  readonly order: number;
  readonly emptyPaths: 'direct' | 'redistribute';
  /** Undefined: infinite horizon. */
  readonly maxSteps?: number | 'channelattribution';
  readonly emptyPathChannel?: string;
}

export interface ReferenceCredit {
  readonly conversions: Rational;
  readonly value: Rational;
}

export interface ReferenceAnswer {
  readonly pConversion: Rational;
  readonly pValue: Rational;
  readonly removalEffects: ReadonlyMap<string, ReferenceCredit>;
  readonly credits: ReadonlyMap<string, ReferenceCredit>;
  /** The truncation applied, when there was one. */
  readonly maxSteps?: number;
}

const START = '(start)';
const CONVERSION = '(conversion)';
const NULL = '(null)';

/** The chain states of one path, in order. */
export function pathStates(path: readonly string[], order: number): string[][] {
  if (path.length === 0) return [];
  const windows: string[][] = [];
  if (path.length < order) windows.push([...path]);
  else for (let i = 0; i + order <= path.length; i++) windows.push(path.slice(i, i + order));
  const merged: string[][] = [];
  for (const w of windows) {
    const previous = merged[merged.length - 1];
    if (!previous || JSON.stringify(previous) !== JSON.stringify(w)) merged.push(w);
  }
  return merged;
}

interface Chain {
  /** counts[from][to] */
  readonly counts: Map<string, Map<string, Rational>>;
  readonly lastConversions: Map<string, Rational>;
  readonly lastValue: Map<string, Rational>;
  readonly members: Map<string, readonly string[]>;
  readonly fedConversions: Rational;
  readonly fedValue: Rational;
  readonly bucket: ReferenceCredit;
  readonly mostStates: number;
}

function bump(m: Map<string, Rational>, key: string, by: Rational): void {
  m.set(key, add(m.get(key) ?? ZERO, by));
}

function countChain(paths: readonly ReferencePath[], o: ReferenceOptions): Chain {
  const counts = new Map<string, Map<string, Rational>>();
  const lastConversions = new Map<string, Rational>();
  const lastValue = new Map<string, Rational>();
  const members = new Map<string, readonly string[]>();
  let fedConversions = ZERO;
  let fedValue = ZERO;
  let bucket = { conversions: ZERO, value: ZERO };
  let mostStates = 0;
  const edge = (from: string, to: string, w: Rational) => {
    if (isZero(w)) return;
    const row = counts.get(from) ?? new Map<string, Rational>();
    counts.set(from, row);
    bump(row, to, w);
  };
  for (const p of paths) {
    const conversions = q(p.conversions);
    const value = q(p.value);
    const through = q(p.conversions + p.nulls);
    if (p.path.length === 0 && o.emptyPaths === 'direct') {
      bucket = { conversions: add(bucket.conversions, conversions), value: add(bucket.value, value) };
      continue;
    }
    if (isZero(through)) continue;
    fedConversions = add(fedConversions, conversions);
    fedValue = add(fedValue, value);
    const states = pathStates(p.path, o.order).map((w) => {
      const key = JSON.stringify(w);
      members.set(key, w);
      return key;
    });
    mostStates = Math.max(mostStates, states.length);
    let last = START;
    for (const s of states) {
      edge(last, s, through);
      last = s;
    }
    edge(last, CONVERSION, conversions);
    edge(last, NULL, q(p.nulls));
    bump(lastConversions, last, conversions);
    bump(lastValue, last, value);
  }
  return { counts, lastConversions, lastValue, members, fedConversions, fedValue, bucket, mostStates };
}

/** Solves A x = b exactly (A square, nonsingular) by Gaussian elimination with row swaps. */
export function solve(a: Rational[][], b: Rational[]): Rational[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i] as Rational]);
  for (let k = 0; k < n; k++) {
    const pivot = m.findIndex((row, i) => i >= k && !isZero(row[k] as Rational));
    if (pivot < 0) throw new Error('singular system');
    [m[k], m[pivot]] = [m[pivot] as Rational[], m[k] as Rational[]];
    const pk = m[k] as Rational[];
    for (let i = 0; i < n; i++) {
      const row = m[i] as Rational[];
      if (i === k || isZero(row[k] as Rational)) continue;
      const f = div(row[k] as Rational, pk[k] as Rational);
      for (let j = k; j <= n; j++) row[j] = sub(row[j] as Rational, mul(f, pk[j] as Rational));
    }
  }
  return m.map((row, i) => div(row[n] as Rational, row[i] as Rational));
}

/** Absorption in (conversion) from (start), plain and value-weighted, with `removed` states sent to (null). */
function absorption(chain: Chain, removed: (state: string) => boolean, maxSteps: number | undefined): { conversion: Rational; value: Rational } {
  const transient = [...chain.counts.keys()].filter((s) => s === START || !removed(s));
  const index = new Map(transient.map((s, i) => [s, i]));
  const prob: Rational[][] = [];
  const b: Rational[] = [];
  const bv: Rational[] = [];
  for (const s of transient) {
    const row = chain.counts.get(s) as Map<string, Rational>;
    let out = ZERO;
    for (const w of row.values()) out = add(out, w);
    const p = transient.map(() => ZERO);
    for (const [to, w] of row) {
      const j = index.get(to);
      if (j !== undefined) p[j] = div(w, out);
    }
    prob.push(p);
    const toConversion = div(row.get(CONVERSION) ?? ZERO, out);
    b.push(toConversion);
    const lc = chain.lastConversions.get(s) ?? ZERO;
    bv.push(isZero(lc) ? ZERO : mul(toConversion, div(chain.lastValue.get(s) ?? ZERO, lc)));
  }
  const start = index.get(START) as number;
  if (maxSteps === undefined) {
    // (I − Q) x = b
    const a = prob.map((row, i) => row.map((x, j) => (i === j ? sub(ONE, x) : sub(ZERO, x))));
    return { conversion: (solve(a, b)[start] as Rational), value: (solve(a, bv)[start] as Rational) };
  }
  // g_r(s): converts from channel state s through at most r channel states, s included.
  let g = transient.map(() => ZERO);
  let gv = transient.map(() => ZERO);
  for (let r = 1; r <= maxSteps; r++) {
    const next = transient.map((_, i) => prob[i]!.reduce((acc, p, j) => add(acc, mul(p, g[j] as Rational)), b[i] as Rational));
    const nextV = transient.map((_, i) => prob[i]!.reduce((acc, p, j) => add(acc, mul(p, gv[j] as Rational)), bv[i] as Rational));
    g = next;
    gv = nextV;
  }
  // From (start), which is no channel state: one step into the first channel state, or straight to (conversion).
  const fromStart = (h: Rational[], direct: Rational) => prob[start]!.reduce((acc, p, j) => (j === start ? acc : add(acc, mul(p, h[j] as Rational))), direct);
  return { conversion: fromStart(g, b[start] as Rational), value: fromStart(gv, bv[start] as Rational) };
}

/** Every channel's removal effect and credit, exactly. */
export function referenceMarkov(paths: readonly ReferencePath[], o: ReferenceOptions): ReferenceAnswer {
  const chain = countChain(paths, o);
  const maxSteps = o.maxSteps === 'channelattribution' ? chain.mostStates + 1 : o.maxSteps;
  const base = absorption(chain, () => false, maxSteps);
  const channels = new Set<string>();
  for (const s of chain.counts.keys()) if (s !== START) for (const c of chain.members.get(s) ?? []) channels.add(c);
  const removalEffects = new Map<string, ReferenceCredit>();
  for (const c of channels) {
    const without = absorption(chain, (s) => (chain.members.get(s) ?? []).includes(c), maxSteps);
    removalEffects.set(c, {
      conversions: isZero(base.conversion) ? ZERO : sub(ONE, div(without.conversion, base.conversion)),
      value: isZero(base.value) ? ZERO : sub(ONE, div(without.value, base.value)),
    });
  }
  let sumRe = ZERO;
  let sumReValue = ZERO;
  for (const re of removalEffects.values()) {
    sumRe = add(sumRe, re.conversions);
    sumReValue = add(sumReValue, re.value);
  }
  const credits = new Map<string, ReferenceCredit>();
  for (const [c, re] of removalEffects) {
    credits.set(c, {
      conversions: isZero(sumRe) ? ZERO : mul(div(re.conversions, sumRe), chain.fedConversions),
      value: isZero(sumReValue) ? ZERO : mul(div(re.value, sumReValue), chain.fedValue),
    });
  }
  if (!isZero(chain.bucket.conversions) || !isZero(chain.bucket.value)) {
    const key = o.emptyPathChannel ?? '(direct)';
    const had = credits.get(key) ?? { conversions: ZERO, value: ZERO };
    credits.set(key, { conversions: add(had.conversions, chain.bucket.conversions), value: add(had.value, chain.bucket.value) });
  }
  return { pConversion: base.conversion, pValue: base.value, removalEffects, credits, ...(maxSteps !== undefined ? { maxSteps } : {}) };
}
