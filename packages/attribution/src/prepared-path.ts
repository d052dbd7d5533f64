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
  /** How many kept touches are direct (counted while interning, when a {@link DirectCounter} is given). */
  directs: number;
}

/** Tells which ids are direct, for {@link preparePath} to count them as it interns. */
export interface DirectCounter {
  isDirect(id: number): boolean;
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
    directs: 0,
  };
}

/** Parses an ISO-8601 string or epoch-ms number; NaN when it is neither. */
export function timeMs(t: string | number | undefined): number {
  if (typeof t === 'number') return Number.isFinite(t) ? t : Number.NaN;
  if (typeof t === 'string' && t !== '') return Date.parse(t);
  return Number.NaN;
}

function badCount(v: unknown, field: string): PathProblem {
  return { field, message: `\`${field}\` must be a finite number ≥ 0 (got ${JSON.stringify(v)})` };
}

/** A valid count: a finite number ≥ 0. */
function isCount(v: unknown): v is number {
  return typeof v === 'number' && v >= 0 && v < Infinity;
}

/**
 * Validates `input` and fills `out`. Touches older than the lookback window are dropped; because
 * touches are in time order they form a prefix, so milestone indexes shift by the number dropped
 * (a milestone on a dropped touch moves to the first kept touch: it happened before the window,
 * and the window's first touch is the nearest stand-in).
 *
 * Every path of every run passes here, so it is written for speed: no allocation, no keyed
 * property access, each field read once, and helpers that return numbers only (a problem is
 * reported through `failure`, so no call site sees both numbers and objects).
 */
export function preparePath(
  input: PathInput,
  params: ResolvedParams,
  interner: Interner,
  out: PreparedPath,
  direct?: DirectCounter,
): PathProblem | undefined {
  const path = input.path;
  if (!Array.isArray(path)) return { field: 'path', message: '`path` must be an array of strings' };
  const len = path.length;
  const c = input.conversions;
  const v = input.value;
  const nu = input.nulls;
  if (c !== undefined && !isCount(c)) return badCount(c, 'conversions');
  if (v !== undefined && !isCount(v)) return badCount(v, 'value');
  if (nu !== undefined && !isCount(nu)) return badCount(nu, 'nulls');
  if (out.ids.length < len) {
    out.ids = new Int32Array(Math.max(len, out.ids.length * 2));
    out.ages = new Float64Array(out.ids.length);
  }
  let start = 0;
  out.hasTimes = false;
  out.timeToConvertMs = Number.NaN;
  if (input.times !== undefined) {
    start = readTimes(input, params, out);
    if (start < 0) return takeFailure();
  } else if (input.converted_at !== undefined && Number.isNaN(timeMs(input.converted_at))) {
    return { field: 'converted_at', message: '`converted_at` must be an ISO-8601 time or epoch milliseconds' };
  }
  const n = len - start;
  const m = input.milestones;
  if (m === undefined) out.lead = out.opportunity = out.close = -1;
  else if (readMilestones(m, start, n, len, out) === FAILED) return takeFailure();
  if (internTouches(path, start, interner, out, direct) === FAILED) return takeFailure();
  if (out.hasTimes && start > 0) out.ages.copyWithin(0, start, len);
  out.n = n;
  out.conversions = c ?? 1;
  out.value = v ?? 0;
  out.nulls = nu ?? 0;
  return undefined;
}

/** What a helper returns when it found a problem; the problem waits in `failure`. */
const FAILED = -2;
let failure: PathProblem | undefined;

function fail(problem: PathProblem): number {
  // Only the first problem of a path is reported.
  failure ??= problem;
  return FAILED;
}

function takeFailure(): PathProblem {
  const f = failure as PathProblem;
  failure = undefined;
  return f;
}

/**
 * Checks the milestones against the path and sets `out.lead` / `opportunity` / `close`, shifted
 * past the `start` touches the lookback dropped; returns FAILED on a bad one.
 */
function readMilestones(m: NonNullable<PathInput['milestones']>, start: number, n: number, len: number, out: PreparedPath): number {
  const l = milestone(m.lead, 'lead', -1, len);
  const o = milestone(m.opportunity, 'opportunity', l, len);
  const cl = milestone(m.close, 'close', Math.max(l, o), len);
  if (l === FAILED || o === FAILED || cl === FAILED) return FAILED;
  // An emptied path has no touch to hold them.
  out.lead = n > 0 && l >= 0 ? Math.max(0, l - start) : -1;
  out.opportunity = n > 0 && o >= 0 ? Math.max(0, o - start) : -1;
  out.close = n > 0 && cl >= 0 ? Math.max(0, cl - start) : -1;
  return 0;
}

/**
 * One pass checks every touch is a string and interns the kept ones (from `start`, inside the
 * lookback window) into `out.ids`, counting the direct ones; returns FAILED on a touch that is not.
 */
function internTouches(path: readonly unknown[], start: number, interner: Interner, out: PreparedPath, direct: DirectCounter | undefined): number {
  const ids = out.ids;
  const len = path.length;
  let directs = 0;
  for (let i = 0; i < len; i++) {
    const touch = path[i];
    if (typeof touch !== 'string') return fail({ field: `path[${i}]`, message: `\`path[${i}]\` must be a string (got ${JSON.stringify(touch)})` });
    if (i < start) continue;
    const id = interner.id(touch);
    ids[i - start] = id;
    if (direct?.isDirect(id)) directs++;
  }
  out.directs = directs;
  return 0;
}

/** A milestone's touch index (−1 when absent), checked against the path and the funnel order. */
function milestone(at: number | undefined, key: string, previous: number, len: number): number {
  if (at === undefined) return -1;
  if (!Number.isInteger(at) || at < 0 || at >= len) {
    return fail({ field: `milestones.${key}`, message: `\`milestones.${key}\` must be a touch index from 0 to ${len - 1} (got ${JSON.stringify(at)})` });
  }
  if (at < previous) {
    return fail({ field: `milestones.${key}`, message: `\`milestones.${key}\` (${at}) comes before an earlier milestone: the funnel order is lead ≤ opportunity ≤ close` });
  }
  return at;
}

/**
 * Reads `times` / `converted_at` into `out.ages` (age before the conversion, ms); returns how
 * many leading touches fall outside the lookback, or FAILED.
 */
function readTimes(input: PathInput, params: ResolvedParams, out: PreparedPath): number {
  const times = input.times as readonly (string | number)[];
  const len = input.path.length;
  if (!Array.isArray(times) || times.length !== len) {
    return fail({ field: 'times', message: `\`times\` must hold one time per touch (${len}), got ${Array.isArray(times) ? times.length : typeof times}` });
  }
  const ages = out.ages;
  let previous = -Infinity;
  for (let i = 0; i < len; i++) {
    const raw = times[i];
    // Epoch milliseconds need no parsing: the common case, kept on the fast path.
    const t = typeof raw === 'number' && raw - raw === 0 ? raw : timeMs(raw);
    if (t !== t) return fail({ field: `times[${i}]`, message: `\`times[${i}]\` must be an ISO-8601 time or epoch milliseconds (got ${JSON.stringify(raw)})` });
    if (t < previous) return fail({ field: `times[${i}]`, message: `\`times[${i}]\` is earlier than the touch before it: list touches oldest first` });
    previous = t;
    ages[i] = t;
  }
  let conv = previous;
  if (input.converted_at !== undefined) {
    conv = timeMs(input.converted_at);
    if (Number.isNaN(conv)) return fail({ field: 'converted_at', message: '`converted_at` must be an ISO-8601 time or epoch milliseconds' });
    if (len > 0 && conv < previous) return fail({ field: 'converted_at', message: '`converted_at` is earlier than the last touch: a touch after the conversion belongs to the next path' });
  }
  const lookback = params.lookbackMs;
  let start = 0;
  for (let i = 0; i < len; i++) {
    const age = conv - (ages[i] as number);
    ages[i] = age;
    if (age > lookback) start = i + 1;
  }
  out.hasTimes = true;
  if (start < len && input.converted_at !== undefined) out.timeToConvertMs = ages[start] as number;
  return start;
}
