import type { Credit } from '../result.js';
import type { AbsorbingChain, Absorption } from './absorbing-chain.js';

/** Up to this many states the fundamental matrix is formed densely (2000² doubles = 32 MB, ~S³ flops). */
export const INVERSE_LIMIT = 2000;

/**
 * All first-order removal effects from one inversion instead of one solve per channel.
 *
 * At order 1 removing channel c removes exactly one state. A walk converts without c iff it
 * converts and never visits c, and by the strong Markov property
 * P(conv ∧ visit c) = h_c · x_c, with x_c the absorption probability from c (unremoved chain) and
 * h_c = N_{start,c} / N_{c,c} the probability of ever reaching c, N = (I − Q)⁻¹ the fundamental
 * matrix. So P(conv | c removed) = P − h_c x_c, and likewise for the value-weighted absorption.
 * Exact (no iteration); O(S³) once rather than O(S³) per channel, which is what makes
 * campaign-level chains with hundreds of values practical.
 */
export function orderOneRemovals(c: AbsorbingChain): { base: Absorption; without: Map<number, Absorption> } {
  const n = c.size;
  const inv = fundamentalMatrix(c);
  const x = new Float64Array(n);
  const xv = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    let sv = 0;
    for (let j = 0; j < n; j++) {
      const nij = inv[i * n + j] as number;
      s += nij * (c.toConversion[j] as number);
      sv += nij * (c.toValue[j] as number);
    }
    x[i] = s;
    xv[i] = sv;
  }
  const base = { conversion: x[0] as number, value: xv[0] as number };
  const without = new Map<number, Absorption>();
  for (let i = 1; i < n; i++) {
    const reach = (inv[i] as number) / (inv[i * n + i] as number);
    without.set(i, { conversion: base.conversion - reach * (x[i] as number), value: base.value - reach * (xv[i] as number) });
  }
  return { base, without };
}

/**
 * N = (I − Q)⁻¹ by Gauss–Jordan elimination, row-major, without pivoting: I − Q is a nonsingular
 * M-matrix (Q substochastic, every state reaches absorption), so every pivot is positive (its
 * leading principal submatrices are nonsingular M-matrices too) and, being diagonally dominant by
 * rows, elimination without pivoting is stable. That keeps the structure: at step k only columns
 * k+1.. of the matrix and 0..k of the inverse can be nonzero, so each step costs n² and the
 * whole inversion n³ multiply-adds (half of the pivoted version's 2n³).
 */
function fundamentalMatrix(c: AbsorbingChain): Float64Array {
  const n = c.size;
  const a = new Float64Array(n * n);
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    a[i * n + i] = 1;
    inv[i * n + i] = 1;
    for (let e = c.rowStart[i] as number; e < (c.rowStart[i + 1] as number); e++) {
      const j = c.col[e] as number;
      a[i * n + j] = (a[i * n + j] as number) - (c.prob[e] as number);
    }
  }
  for (let k = 0; k < n; k++) {
    const rk = k * n;
    const d = 1 / (a[rk + k] as number);
    for (let j = k + 1; j < n; j++) a[rk + j] = (a[rk + j] as number) * d;
    for (let j = 0; j <= k; j++) inv[rk + j] = (inv[rk + j] as number) * d;
    a[rk + k] = 1;
    for (let i = 0; i < n; i++) {
      if (i === k) continue;
      const ri = i * n;
      const f = a[ri + k] as number;
      if (f === 0) continue;
      for (let j = k + 1; j < n; j++) a[ri + j] = (a[ri + j] as number) - f * (a[rk + j] as number);
      for (let j = 0; j <= k; j++) inv[ri + j] = (inv[ri + j] as number) - f * (inv[rk + j] as number);
      a[ri + k] = 0;
    }
  }
  return inv;
}
