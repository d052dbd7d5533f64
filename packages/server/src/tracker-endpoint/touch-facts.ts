import type { Touch, TouchState } from '@touchline/protocol';
import { NO_FIRST_TOUCH, TOUCH_KEY_CHARS } from '../warehouse/clickhouse/clickhouse-touch-tables.js';
import { touchStateOf } from './touch-store.js';

/**
 * A visitor's touches as facts that merge in any order, as the ClickHouse touch store keeps them
 * (see `clickhouse-touch-tables.ts`): each touch is encoded behind a fixed-width sort key (its
 * time, then a write stamp), so that
 *
 * - `first` = the minimum: the earliest first touch any collector wrote (write-once by
 *   construction, even when two collectors write a new visitor's first touch at once);
 * - `last`, `session` = the maximum: the latest marketing touch, the latest session start;
 * - `seen` = the maximum.
 *
 * Merging is commutative, associative and idempotent: a collector may merge its own unflushed
 * writes into what it reads from ClickHouse, and a fact written twice changes nothing. The same
 * comparisons run here and in ClickHouse: the keys are ASCII, and the write stamp makes two
 * different facts differ inside the key, so byte order and JavaScript's order agree.
 */
export interface TouchFacts {
  /** Encoded touch, or {@link NO_FIRST_TOUCH}. */
  readonly first: string;
  /** Encoded touch, or ''. */
  readonly last: string;
  /** Encoded touch, or ''. */
  readonly session: string;
  /** ISO-8601, or ''. */
  readonly seen: string;
}

export const NO_FACTS: TouchFacts = { first: NO_FIRST_TOUCH, last: '', session: '', seen: '' };

const max = (a: string, b: string) => (a >= b ? a : b);
const min = (a: string, b: string) => (a <= b ? a : b);

export function mergeFacts(a: TouchFacts, b: TouchFacts): TouchFacts {
  return { first: min(a.first, b.first), last: max(a.last, b.last), session: max(a.session, b.session), seen: max(a.seen, b.seen) };
}

/** Facts as ClickHouse returns them (`minMerge` of no rows is ''). */
export function factsFromRow(first: unknown, last: unknown, session: unknown, seen: unknown): TouchFacts {
  const s = (v: unknown) => (typeof v === 'string' ? v : '');
  return { first: s(first) || NO_FIRST_TOUCH, last: s(last), session: s(session), seen: s(seen) };
}

const decode = (v: string): Touch | undefined => (v.length > TOUCH_KEY_CHARS ? (JSON.parse(v.slice(TOUCH_KEY_CHARS)) as Touch) : undefined);

/** The state the facts stand for; `undefined` when they hold nothing (an unknown visitor). */
export function stateOf(f: TouchFacts): TouchState | undefined {
  const s = touchStateOf(decode(f.first), decode(f.last), decode(f.session), f.seen);
  return Object.keys(s).length > 0 ? s : undefined;
}

/** 24-character ISO-8601 UTC of `at`, or of `fallback` when `at` is absent or not a time. */
function timeKey(at: string | undefined, fallback: string): string {
  for (const t of [at, fallback]) {
    const ms = t === undefined ? NaN : Date.parse(t);
    if (Number.isFinite(ms) && ms >= 0 && ms < 253402300800000) return new Date(ms).toISOString();
  }
  return new Date(0).toISOString();
}

/**
 * Write stamps for one writer: 16 digits of microseconds since the epoch, strictly increasing,
 * then the writer's 8-character id. They only break ties between touches of the same time.
 */
export function writeStamps(writerId: string, nowMs: () => number = Date.now): () => string {
  if (!/^[0-9a-z]{8}$/.test(writerId)) throw new Error(`writer id must be 8 characters [0-9a-z], got "${writerId}"`);
  let last = 0;
  return () => {
    last = Math.max(nowMs() * 1000, last + 1);
    return String(last).padStart(16, '0') + writerId;
  };
}

/**
 * The facts one update adds: each of `first`, `last`, `session`, `seen` that `next` changed
 * relative to `prev` (what was read: already stored, or about to be). A touch without a time is
 * keyed by the state's `seen`, else by `now`.
 */
export function factsOf(prev: TouchState, next: TouchState, stamp: string, now: string): TouchFacts {
  const changed = (a: Touch | undefined, b: Touch | undefined): b is Touch => b !== undefined && JSON.stringify(a) !== JSON.stringify(b);
  const fallback = next.seen ?? now;
  const encode = (t: Touch) => `${timeKey(t.at, fallback)}${stamp}${JSON.stringify(t)}`;
  return {
    first: changed(prev.first, next.first) ? encode(next.first) : NO_FIRST_TOUCH,
    last: changed(prev.last, next.last) ? encode(next.last) : '',
    session: changed(prev.session, next.session) ? encode(next.session) : '',
    seen: next.seen !== undefined && next.seen !== prev.seen ? next.seen : '',
  };
}

/** True when the facts add nothing (an update that changed nothing writes no row). */
export const isEmptyFacts = (f: TouchFacts): boolean => f.first === NO_FIRST_TOUCH && !f.last && !f.session && !f.seen;
