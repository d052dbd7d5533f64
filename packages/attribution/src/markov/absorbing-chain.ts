import { CONVERSION, NULL, START, type MarkovCounts } from './markov-counts.js';

/**
 * The transient part of the absorbing chain in compressed sparse rows, with transition
 * probabilities estimated from the counts (weight / total out-weight of the state).
 */
export interface AbsorbingChain {
  /** Transient states (start first, then every channel state with an outgoing edge). */
  readonly size: number;
  /** `rowStart[i] .. rowStart[i+1]` index the transient successors of state i. */
  readonly rowStart: Int32Array;
  readonly col: Int32Array;
  readonly prob: Float64Array;
  /** P(i → conversion). */
  readonly toConversion: Float64Array;
  /** P(i → conversion) × mean value per conversion whose last state was i (the value weighting). */
  readonly toValue: Float64Array;
  /** The counts' state id of each transient index. */
  readonly stateOf: Int32Array;
}

export function buildChain(counts: MarkovCounts): AbsorbingChain {
  const states = counts.stateCount;
  const outWeight = new Float64Array(states);
  const degree = new Int32Array(states);
  counts.forEachTransition((from, to, w) => {
    outWeight[from] = (outWeight[from] as number) + w;
    if (to !== CONVERSION && to !== NULL) degree[from] = (degree[from] as number) + 1;
  });
  const index = new Int32Array(states).fill(-1);
  const stateOf: number[] = [];
  // Start is always index 0, so callers read the answer at 0.
  index[START] = 0;
  stateOf.push(START);
  for (let s = 3; s < states; s++) {
    if ((outWeight[s] as number) > 0) {
      index[s] = stateOf.length;
      stateOf.push(s);
    }
  }
  const size = stateOf.length;
  const rowStart = new Int32Array(size + 1);
  for (let i = 0; i < size; i++) rowStart[i + 1] = (rowStart[i] as number) + (degree[stateOf[i] as number] as number);
  const fill = rowStart.slice(0, size);
  const col = new Int32Array(rowStart[size] as number);
  const prob = new Float64Array(rowStart[size] as number);
  const toConversion = new Float64Array(size);
  const toValue = new Float64Array(size);
  counts.forEachTransition((from, to, w) => {
    const i = index[from] as number;
    const p = w / (outWeight[from] as number);
    if (to === CONVERSION) {
      toConversion[i] = p;
      const c = counts.lastConversions(from);
      toValue[i] = c > 0 ? (p * counts.lastValue(from)) / c : 0;
    } else if (to !== NULL) {
      const at = fill[i] as number;
      col[at] = index[to] as number;
      prob[at] = p;
      fill[i] = at + 1;
    }
  });
  return { size, rowStart, col, prob, toConversion, toValue, stateOf: Int32Array.from(stateOf) };
}

/** Probability (and value-weighted probability) of absorption in (conversion) from (start). */
export interface Absorption {
  readonly conversion: number;
  readonly value: number;
}

/** Above this many transient states the system is solved iteratively instead of by elimination. */
export const DENSE_LIMIT = 300;

/**
 * Absorption in (conversion) from (start) when the states flagged in `removed` are redirected to
 * (null). `maxSteps` finite = ChannelAttribution's truncation: a walk converts only if it does so
 * within `maxSteps` channel states.
 *
 * Infinite horizon solves x = Q x + b exactly: Gaussian elimination with partial pivoting up to
 * {@link DENSE_LIMIT} states; beyond, Gauss–Seidel sweeps until no component moves by more than
 * 1e-14 (relative), i.e. to machine precision. Gauss–Seidel converges because I − Q is a
 * nonsingular M-matrix: every observed state reaches absorption.
 */
export function absorb(chain: AbsorbingChain, removed: Uint8Array, maxSteps: number, denseLimit = DENSE_LIMIT): Absorption {
  if (chain.size === 0) return { conversion: 0, value: 0 };
  if (Number.isFinite(maxSteps)) return finiteHorizon(chain, removed, maxSteps);
  return chain.size <= denseLimit ? dense(chain, removed) : gaussSeidel(chain, removed);
}

function finiteHorizon(c: AbsorbingChain, removed: Uint8Array, steps: number): Absorption {
  // f_t(i): P(convert from i within t channel states, i itself included). Start is not a channel
  // state, so it takes one more step than the channels it leads to.
  let f = new Float64Array(c.size);
  let g = new Float64Array(c.size);
  let fv = new Float64Array(c.size);
  let gv = new Float64Array(c.size);
  for (let t = 1; t <= steps + 1; t++) {
    for (let i = 0; i < c.size; i++) {
      if (removed[i]) continue;
      let x = c.toConversion[i] as number;
      let xv = c.toValue[i] as number;
      for (let e = c.rowStart[i] as number; e < (c.rowStart[i + 1] as number); e++) {
        const j = c.col[e] as number;
        x += (c.prob[e] as number) * (f[j] as number);
        xv += (c.prob[e] as number) * (fv[j] as number);
      }
      g[i] = x;
      gv[i] = xv;
    }
    [f, g] = [g, f];
    [fv, gv] = [gv, fv];
  }
  return { conversion: f[0] as number, value: fv[0] as number };
}

function dense(c: AbsorbingChain, removed: Uint8Array): Absorption {
  const n = c.size;
  // A = I − Q over kept states (removed rows become x_i = 0), two right-hand sides.
  const a = new Float64Array(n * n);
  const b = new Float64Array(n);
  const bv = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    a[i * n + i] = 1;
    if (removed[i]) continue;
    b[i] = c.toConversion[i] as number;
    bv[i] = c.toValue[i] as number;
    for (let e = c.rowStart[i] as number; e < (c.rowStart[i + 1] as number); e++) {
      const j = c.col[e] as number;
      a[i * n + j] = (a[i * n + j] as number) - (c.prob[e] as number);
    }
  }
  for (let k = 0; k < n; k++) {
    let pivot = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(a[i * n + k] as number) > Math.abs(a[pivot * n + k] as number)) pivot = i;
    if (pivot !== k) {
      for (let j = k; j < n; j++) {
        const t = a[k * n + j] as number;
        a[k * n + j] = a[pivot * n + j] as number;
        a[pivot * n + j] = t;
      }
      swap(b, k, pivot);
      swap(bv, k, pivot);
    }
    const akk = a[k * n + k] as number;
    for (let i = k + 1; i < n; i++) {
      const factor = (a[i * n + k] as number) / akk;
      if (factor === 0) continue;
      for (let j = k; j < n; j++) a[i * n + j] = (a[i * n + j] as number) - factor * (a[k * n + j] as number);
      b[i] = (b[i] as number) - factor * (b[k] as number);
      bv[i] = (bv[i] as number) - factor * (bv[k] as number);
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i] as number;
    let sv = bv[i] as number;
    for (let j = i + 1; j < n; j++) {
      s -= (a[i * n + j] as number) * (b[j] as number);
      sv -= (a[i * n + j] as number) * (bv[j] as number);
    }
    b[i] = s / (a[i * n + i] as number);
    bv[i] = sv / (a[i * n + i] as number);
  }
  return { conversion: b[0] as number, value: bv[0] as number };
}

function swap(v: Float64Array, i: number, j: number): void {
  const t = v[i] as number;
  v[i] = v[j] as number;
  v[j] = t;
}

const MAX_SWEEPS = 1_000_000;

function gaussSeidel(c: AbsorbingChain, removed: Uint8Array): Absorption {
  const x = new Float64Array(c.size);
  const xv = new Float64Array(c.size);
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let moved = 0;
    for (let i = c.size - 1; i >= 0; i--) {
      if (removed[i]) continue;
      let s = c.toConversion[i] as number;
      let sv = c.toValue[i] as number;
      for (let e = c.rowStart[i] as number; e < (c.rowStart[i + 1] as number); e++) {
        const j = c.col[e] as number;
        s += (c.prob[e] as number) * (x[j] as number);
        sv += (c.prob[e] as number) * (xv[j] as number);
      }
      moved = Math.max(moved, Math.abs(s - (x[i] as number)) / Math.max(s, 1e-300), Math.abs(sv - (xv[i] as number)) / Math.max(Math.abs(sv), 1e-300));
      x[i] = s;
      xv[i] = sv;
    }
    if (moved <= 1e-14) return { conversion: x[0] as number, value: xv[0] as number };
  }
  throw new Error(`markov: the absorbing chain did not converge in ${MAX_SWEEPS} sweeps (${c.size} states); report this path data`);
}
