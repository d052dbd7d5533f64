import { rowCodes, type FetchLike, type LateResult, type RowResult } from '@touchline/destinations';
import type { ResultRecord, RunRecord, StateRecord } from '../store/records.js';
import { awaitingRows, type AwaitingRow } from '../store/verdict-rows.js';
import type { EngineContext } from './engine-context.js';
import type { Sleep } from './notifier.js';
import type { RateGate } from './rate-gate.js';
import type { ResolvedSync } from './resolve-sync.js';
import { reassessed } from './run-refusals.js';
import { isFinished } from './run-state.js';

/** What a collection of late verdicts did. */
export interface VerdictSummary {
  /** Rows whose verdict was asked for. */
  readonly asked: number;
  readonly delivered: number;
  readonly rejected: number;
  /** Rows the vendor has not decided on yet (asked again at the next collection). */
  readonly pending: number;
  /** Finished runs whose counters (and perhaps status) changed, as saved. */
  readonly runs: readonly RunRecord[];
}

export interface VerdictPorts {
  readonly fetch: FetchLike;
  readonly gate: RateGate;
  readonly sleep: Sleep;
}

/** One row's verdict turned into what is recorded: results, a state change, counter moves. */
interface Decided {
  readonly results: ResultRecord[];
  readonly refused: StateRecord | null;
  /** The row moved from delivered to rejected. */
  readonly flipped: boolean;
}

/** What a verdict or a resend says about the row (the fields LateResult and RowResult share). */
type Said = Pick<RowResult, 'code' | 'reason' | 'answer' | 'receipt'>;

const result = (a: AwaitingRow, syncName: string, status: ResultRecord['status'], at: number, r: Said, attempt = a.attempt): ResultRecord => ({
  runId: a.runId, syncName, pk: a.pk, op: a.op as ResultRecord['op'], attempt, status,
  ...rowCodes({ status: status === 'delivered' || status === 'accepted' ? 'delivered' : 'rejected', ...(r.code === undefined ? {} : { code: r.code }) }, 'sent'), reason: r.reason ?? null, field: null, dedupKey: a.dedupKey,
  httpStatus: r.answer?.httpStatus ?? null, request: null, answer: r.answer?.body ?? null,
  receipt: r.receipt ?? a.receipt, at,
});

/**
 * The vendor refused some rows of a request without naming them (`isolate`): the row is sent
 * again alone, so its next receipt covers it only (the vendor dedups it if it was fine). Returns
 * null while that resend has no answer: the row stays awaiting and is asked about again.
 */
async function resendAlone(ctx: EngineContext, r: ResolvedSync, p: VerdictPorts, a: AwaitingRow): Promise<RowResult | null> {
  for (let t = p.gate.take(); !t.ok; t = p.gate.take()) await p.sleep(t.waitMs);
  const item = { ref: 0, dedupKey: a.dedupKey ?? a.pk, payload: a.request };
  const [res] = await r.destination.send([item], { config: r.config, fetch: p.fetch, clock: ctx.clock, logger: ctx.log });
  return res && (res.status === 'delivered' || res.status === 'rejected') ? res : null;
}

async function decide(ctx: EngineContext, r: ResolvedSync, p: VerdictPorts, a: AwaitingRow, late: LateResult): Promise<Decided | null> {
  const now = ctx.clock.now();
  if (late.status === 'pending') return null;
  if (late.status === 'delivered') return { results: [result(a, r.syncName, 'delivered', now, late)], refused: null, flipped: false };
  if (!late.isolate) return { results: [result(a, r.syncName, 'rejected', now, late)], refused: refusedState(a), flipped: true };
  const again = await resendAlone(ctx, r, p, a);
  if (!again) return null;
  const isolating = result(a, r.syncName, 'isolating', now, late);
  const next = result(a, r.syncName, again.status === 'rejected' ? 'rejected' : again.receipt ? 'accepted' : 'delivered', now, again, a.attempt + 1);
  const rejected = again.status === 'rejected';
  return { results: [isolating, { ...next, receipt: again.receipt ?? (rejected ? a.receipt : null) }], refused: rejected ? refusedState(a) : null, flipped: rejected };
}

/** The state a late refusal leaves: refused for good (not resent until the row changes). */
const refusedState = (a: AwaitingRow): StateRecord => ({ pk: a.pk, hash: '', status: 'rejected', dedupKey: a.dedupKey, row: null });

/**
 * Collects the vendor's late verdicts on a sync's accepted rows (asynchronous outcomes, e.g.
 * Data Manager's `requestStatus`) and records them: each verdict is a new `sync_row_results` row
 * for the same attempt; a late refusal marks the key refused in the state (when the state still
 * holds that delivery) and moves the run's counters from delivered to rejected, and the run's
 * status is recomputed (`succeeded` <-> `partially_failed`). Only finished runs are touched: an
 * open run's counters belong to the process sending it.
 */
export async function collectVerdicts(ctx: EngineContext, r: ResolvedSync, p: VerdictPorts): Promise<VerdictSummary> {
  const outcomes = r.destination.outcomes;
  const none: VerdictSummary = { asked: 0, delivered: 0, rejected: 0, pending: 0, runs: [] };
  if (!outcomes) return none;
  const now = ctx.clock.now();
  const runs = new Map<string, RunRecord | null>();
  const due: AwaitingRow[] = [];
  for (const a of await awaitingRows(ctx.store, ctx.warehouse.dialect, r.syncName, now - outcomes.giveUpAfterMs - 86_400_000)) {
    if (now < a.receipt.sentAt + outcomes.firstCheckAfterMs) continue;
    if (!runs.has(a.runId)) runs.set(a.runId, await ctx.store.getRun(a.runId));
    const run = runs.get(a.runId);
    if (run && isFinished(run.status)) due.push(a);
  }
  if (due.length === 0) return none;
  const verdicts = await outcomes.collect(due.map((a, i) => ({ ref: i, receipt: a.receipt })), { config: r.config, fetch: p.fetch, clock: ctx.clock, logger: ctx.log });
  const decided: { a: AwaitingRow; d: Decided }[] = [];
  for (const [i, a] of due.entries()) {
    const d = await decide(ctx, r, p, a, verdicts[i] ?? { ref: i, status: 'pending' });
    if (d) decided.push({ a, d });
  }
  const saved = await record(ctx, r, runs, decided);
  const rejected = decided.filter((x) => x.d.flipped).length;
  return { asked: due.length, delivered: decided.length - rejected, rejected, pending: due.length - decided.length, runs: saved };
}

/** One checkpoint per run: the verdicts' results, refused states, and the run's new counters. */
async function record(ctx: EngineContext, r: ResolvedSync, runs: ReadonlyMap<string, RunRecord | null>, decided: readonly { a: AwaitingRow; d: Decided }[]): Promise<RunRecord[]> {
  const saved: RunRecord[] = [];
  for (const [runId, run] of runs) {
    const mine = decided.filter((x) => x.a.runId === runId);
    if (!run || mine.length === 0) continue;
    const flipped = mine.filter((x) => x.d.flipped).length;
    const states = run.kind === 'run' ? await stillHeld(ctx, r.syncName, mine.flatMap((x) => (x.d.refused ? [x.d.refused] : []))) : [];
    const moved = flipped === 0 ? run : reassessed({ ...run, delivered: run.delivered - flipped, rejected: run.rejected + flipped }, r.sync.maxRefusedPercent);
    await ctx.store.checkpoint({ syncName: r.syncName, runId, results: mine.flatMap((x) => x.d.results), states, removals: [], run: moved });
    if (moved !== run) saved.push(moved);
  }
  return saved;
}

/**
 * The refused states to write: only keys whose state still holds the refused delivery (same
 * dedup key). A later run may have sent a changed row since; its own delivery stands.
 */
async function stillHeld(ctx: EngineContext, syncName: string, refused: readonly StateRecord[]): Promise<StateRecord[]> {
  if (refused.length === 0) return [];
  const b = ctx.warehouse.dialect.binding();
  const keys = refused.map((s) => b.string(s.pk)).join(', ');
  const r = await ctx.store.query(`SELECT pk, hash, dedup_key FROM ${ctx.store.engine.stateOf(b, syncName)} AS st WHERE pk IN (${keys})`, b.params);
  const held = new Map(r.rows.map(([pk, hash, dedup]) => [String(pk), { hash: String(hash), dedup: dedup === null ? null : String(dedup) }]));
  return refused.flatMap((s) => {
    const h = held.get(s.pk);
    return h && h.dedup === s.dedupKey ? [{ ...s, hash: h.hash }] : [];
  });
}
