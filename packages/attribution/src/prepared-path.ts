import type { Interner } from './interner.js';
import type { PathInput } from './path-input.js';
import type { ResolvedParams } from './params.js';

/**
 * A path after validation, lookback and interning, in scratch buffers the accumulator reuses for
 * every path (no allocation per path once the buffers have grown to the longest path).
 */
export interface PreparedPath {
  /** Touches kept (after the lookback window). */
  n: number;
  /** Level-value ids of the kept touches; valid in `[0, n)`. */
  ids: Int32Array;
  /** Age of each kept touch before the conversion, in ms; valid when `hasTimes`. */
  ages: Float64Array;
  hasTimes: boolean;
  conversions: number;
  value: number;
  nulls: number;
  /** Milestone touch indexes into the kept touches; −1 when not given. */
  lead: number;
  opportunity: number;
  close: number;
  /** First kept touch to conversion, in ms; NaN without times. */
  timeToConvertMs: number;
}

/** What a path lacks or gets wrong: the field at fault and what to do. */
export interface PathProblem {
  readonly field: string;
  readonly message: string;
}

export function createPreparedPath(): PreparedPath {
  return {
    n: 0,
    ids: new Int32Array(16),
    ages: new Float64Array(16),
    hasTimes: false,
    conversions: 0,
    value: 0,
    nulls: 0,
    lead: -1,
    opportunity: -1,
    close: -1,
    timeToConvertMs: Number.NaN,
  };
}

/** Parses an ISO-8601 string or epoch-ms number; NaN when it is neither. */
export function timeMs(t: string | number | undefined): number {
  if (typeof t === 'number') return Number.isFinite(t) ? t : Number.NaN;
  if (typeof t === 'string' && t !== '') return Date.parse(t);
  return Number.NaN;
}

const MILESTONE_KEYS = ['lead', 'opportunity', 'close'] as const;

function count(v: number | undefined, fallback: number, field: string): number | PathProblem {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    return { field, message: `\`${field}\` must be a finite number ≥ 0 (got ${JSON.stringify(v)})` };
  }
  return v;
}

/**
 * Validates `input` and fills `out`. Touches older than the lookback window are dropped; because
 * touches are in time order they form a prefix, so milestone indexes shift by the number dropped
 * (a milestone on a dropped touch moves to the first kept touch: it happened before the window,
 * and the window's first touch is the nearest stand-in).
 */
export function preparePath(
  input: PathInput,
  params: ResolvedParams,
  interner: Interner,
  out: PreparedPath,
): PathProblem | undefined {
  const path = input.path;
  if (!Array.isArray(path)) return { field: 'path', message: '`path` must be an array of strings' };
  const len = path.length;
  const conversions = count(input.conversions, 1, 'conversions');
  if (typeof conversions !== 'number') return conversions;
  const value = count(input.value, 0, 'value');
  if (typeof value !== 'number') return value;
  const nulls = count(input.nulls, 0, 'nulls');
  if (typeof nulls !== 'number') return nulls;
  for (let i = 0; i < len; i++) {
    if (typeof path[i] !== 'string') {
      return { field: `path[${i}]`, message: `\`path[${i}]\` must be a string (got ${JSON.stringify(path[i])})` };
    }
  }
  if (out.ids.length < len) {
    out.ids = new Int32Array(Math.max(len, out.ids.length * 2));
    out.ages = new Float64Array(out.ids.length);
  }
  let start = 0;
  out.hasTimes = false;
  out.timeToConvertMs = Number.NaN;
  const times = input.times;
  if (times !== undefined) {
    const problem = readTimes(input, params, out);
    if (typeof problem === 'object') return problem;
    start = problem;
  } else if (input.converted_at !== undefined && Number.isNaN(timeMs(input.converted_at))) {
    return { field: 'converted_at', message: '`converted_at` must be an ISO-8601 time or epoch milliseconds' };
  }
  const n = len - start;
  for (let i = 0; i < n; i++) out.ids[i] = interner.id(path[start + i] as string);
  if (out.hasTimes && start > 0) out.ages.copyWithin(0, start, len);
  out.n = n;
  out.conversions = conversions;
  out.value = value;
  out.nulls = nulls;
  const m = input.milestones;
  out.lead = out.opportunity = out.close = -1;
  if (m !== undefined) {
    let previous = -1;
    for (const key of MILESTONE_KEYS) {
      const at = m[key];
      if (at === undefined) continue;
      if (!Number.isInteger(at) || at < 0 || at >= len) {
        return { field: `milestones.${key}`, message: `\`milestones.${key}\` must be a touch index from 0 to ${len - 1} (got ${JSON.stringify(at)})` };
      }
      if (at < previous) {
        return { field: `milestones.${key}`, message: `\`milestones.${key}\` (${at}) comes before an earlier milestone: the funnel order is lead ≤ opportunity ≤ close` };
      }
      previous = at;
      out[key] = n === 0 ? -1 : Math.max(0, at - start);
    }
  }
  return undefined;
}

/** Reads `times` / `converted_at` into `out.ages`; returns how many leading touches fall outside the lookback. */
function readTimes(input: PathInput, params: ResolvedParams, out: PreparedPath): number | PathProblem {
  const times = input.times as readonly (string | number)[];
  const len = input.path.length;
  if (!Array.isArray(times) || times.length !== len) {
    return { field: 'times', message: `\`times\` must hold one time per touch (${len}), got ${Array.isArray(times) ? times.length : typeof times}` };
  }
  let previous = -Infinity;
  for (let i = 0; i < len; i++) {
    const t = timeMs(times[i]);
    if (Number.isNaN(t)) return { field: `times[${i}]`, message: `\`times[${i}]\` must be an ISO-8601 time or epoch milliseconds (got ${JSON.stringify(times[i])})` };
    if (t < previous) return { field: `times[${i}]`, message: `\`times[${i}]\` is earlier than the touch before it: list touches oldest first` };
    previous = t;
    out.ages[i] = t;
  }
  let conv = previous;
  if (input.converted_at !== undefined) {
    conv = timeMs(input.converted_at);
    if (Number.isNaN(conv)) return { field: 'converted_at', message: '`converted_at` must be an ISO-8601 time or epoch milliseconds' };
    if (len > 0 && conv < previous) return { field: 'converted_at', message: '`converted_at` is earlier than the last touch: a touch after the conversion belongs to the next path' };
  }
  let start = 0;
  for (let i = 0; i < len; i++) {
    const age = conv - (out.ages[i] as number);
    out.ages[i] = age;
    if (age > params.lookbackMs) start = i + 1;
  }
  out.hasTimes = true;
  if (start < len && input.converted_at !== undefined) out.timeToConvertMs = out.ages[start] as number;
  return start;
}
