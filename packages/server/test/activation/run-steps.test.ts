import { describe, expect, it } from 'vitest';
import type { RowOutcome } from '../../src/activation/engine/delivery.js';
import { createActiveRuns, settledWithin } from '../../src/activation/engine/active-runs.js';
import { manualClock } from '../support/manual-clock.js';
import { createGroupCommit } from '../../src/activation/engine/group-commit.js';
import { liveStatus, runCheckpoint, type RunTag } from '../../src/activation/engine/run-checkpoint.js';
import { finishedRun } from '../../src/activation/engine/run-finish.js';
import type { RunRecord } from '../../src/activation/store/records.js';

const NOW = Date.parse('2026-12-07T12:00:00.000Z');

const run = (over: Partial<RunRecord> = {}): RunRecord => ({
  runId: 'run_1', syncName: 'usage', kind: 'run', status: 'running', trigger: 'cli', mode: 'mirror', destination: 'hs',
  startedAt: '2026-12-07T11:00:00.000Z', finishedAt: null, heartbeatAt: null, owner: 'h:1:a', stageTable: '_tl_stage_run_1',
  plannedAdd: 3, plannedChange: 1, plannedRemove: 1, delivered: 10, rejected: 2, failed: 0, requests: 4, resumes: 0, error: null, details: {},
  ...over,
});

const outcome = (key: string, op: 'add' | 'change' | 'remove', final: RowOutcome<RunTag>['final'], status: 'delivered' | 'rejected' | 'retryable' | 'rate_limited' = 'delivered'): RowOutcome<RunTag> => ({
  row: { key, op, row: { email: key }, tag: { hash: op === 'remove' ? '' : `h-${key}`, sent: { email: key } } },
  attempt: 1,
  result: { ref: 0, status, dedupKey: key, ...(status === 'rejected' ? { code: 'INVALID_EMAIL' } : {}) },
  final,
});

describe('a run checkpoint, built without I/O', () => {
  const outcomes = [
    outcome('a', 'add', 'delivered'),
    outcome('b', 'change', 'rejected', 'rejected'),
    outcome('c', 'add', null, 'rejected'),
    outcome('d', 'add', null, 'rate_limited'),
    outcome('e', 'add', 'failed', 'retryable'),
    outcome('f', 'remove', 'delivered'),
  ];
  it('records every attempt, moves the counters, and states only final rows', () => {
    const c = runCheckpoint({ run: run(), outcomes, now: NOW, status: 'rate_limited', requests: 7, keepRow: true });
    expect(c.results.map((r) => [r.pk, r.status])).toEqual([['a', 'delivered'], ['b', 'rejected'], ['c', 'isolating'], ['d', 'rate_limited'], ['e', 'failed'], ['f', 'delivered']]);
    expect(c.states).toEqual([
      { pk: 'a', hash: 'h-a', status: 'delivered', dedupKey: 'a', row: { email: 'a' } },
      { pk: 'b', hash: 'h-b', status: 'rejected', dedupKey: 'b', row: { email: 'b' } },
    ]);
    expect(c.removals).toEqual(['f']);
    expect(c.run).toMatchObject({ status: 'rate_limited', delivered: 12, rejected: 3, failed: 1, requests: 7, heartbeatAt: '2026-12-07T12:00:00.000Z' });
  });
  it("splits codes: Touchline's closed set in code, the vendor's own in vendorCode", () => {
    const c = runCheckpoint({ run: run(), outcomes, now: NOW, status: 'running', requests: 7, keepRow: true });
    expect(c.results.map((r) => [r.pk, r.code, r.vendorCode])).toEqual([
      ['a', null, null], ['b', 'VENDOR_REFUSED', 'INVALID_EMAIL'], ['c', 'VENDOR_REFUSED', 'INVALID_EMAIL'], ['d', 'RATE_LIMITED', null], ['e', 'VENDOR_UNAVAILABLE', null], ['f', null, null],
    ]);
    const refusedByMap: RowOutcome<RunTag> = { ...outcome('g', 'add', 'rejected', 'rejected'), attempt: 0 };
    const consent: RowOutcome<RunTag> = { ...refusedByMap, result: { ref: 0, status: 'rejected', code: 'CONSENT_DENIED' } };
    const network: RowOutcome<RunTag> = { ...outcome('h', 'add', null, 'retryable'), result: { ref: 0, status: 'retryable', code: 'NETWORK' } };
    const more = runCheckpoint({ run: run(), outcomes: [refusedByMap, consent, network], now: NOW, status: 'running', requests: 7, keepRow: true });
    expect(more.results.map((r) => [r.code, r.vendorCode])).toEqual([['INVALID_ROW', 'INVALID_EMAIL'], ['CONSENT_DENIED', null], ['NETWORK', null]]);
    // Consent holds are counted apart, so they never make a run partially_failed.
    expect(more.run.details).toEqual({ withheld: 1 });
  });
  it('an ad network keeps no row; a test run touches no state', () => {
    expect(runCheckpoint({ run: run(), outcomes, now: NOW, status: 'running', requests: 7, keepRow: false }).states.map((s) => s.row)).toEqual([null, null]);
    const t = runCheckpoint({ run: run({ kind: 'test' }), outcomes, now: NOW, status: 'running', requests: 7, keepRow: true });
    expect([t.states, t.removals, t.results.length, t.run.delivered]).toEqual([[], [], 6, 12]);
  });
  it('a sending run is rate_limited exactly while held back', () => {
    expect(liveStatus(run(), NOW, NOW + 1)).toBe('rate_limited');
    expect(liveStatus(run({ status: 'rate_limited' }), NOW, NOW)).toBe('running');
    expect(liveStatus(run({ status: 'paused' }), NOW, NOW + 1)).toBe('paused');
  });
});

describe('how a delivery ends a run', () => {
  // The base run has 2 of 12 rows refused (16.7%): within a 20% limit.
  const base = { now: NOW, maxAttempts: 5, checkpointError: null, stop: null, maxRefusedPercent: 20 } as const;
  it('succeeds only when every row was recorded and none is left undelivered', () => {
    expect(finishedRun({ ...base, run: run(), end: { kind: 'done' } })).toMatchObject({ status: 'succeeded', finishedAt: '2026-12-07T12:00:00.000Z', error: null });
    expect(finishedRun({ ...base, run: run({ failed: 2 }), end: { kind: 'done' } })).toMatchObject({
      status: 'failed',
      error: '2 row(s) were not delivered after 5 attempts; they are sent again on the next run (see sync_row_results)',
    });
    expect(finishedRun({ ...base, run: run(), end: { kind: 'done' }, checkpointError: 'disk full' })).toMatchObject({
      status: 'failed',
      error: "could not write the run's last checkpoint: disk full; rows acknowledged since the previous checkpoint are sent again on the next run, with the same dedup keys",
    });
  });
  it('ends partially_failed when refusals pass maxRefusedPercent, counted against every answered row', () => {
    expect(finishedRun({ ...base, maxRefusedPercent: 5, run: run(), end: { kind: 'done' } })).toMatchObject({
      status: 'partially_failed',
      finishedAt: '2026-12-07T12:00:00.000Z',
      error: "2 of 12 row(s) were refused (16.7%), more than maxRefusedPercent (5%); see their reasons in sync_row_results (status 'rejected')",
    });
    // Rows held back for consent are the policy working: they do not count as refusals.
    expect(finishedRun({ ...base, maxRefusedPercent: 5, run: run({ details: { withheld: 2 } }), end: { kind: 'done' } }).status).toBe('succeeded');
    expect(finishedRun({ ...base, maxRefusedPercent: 5, run: run({ rejected: 3, details: { withheld: 2 } }), end: { kind: 'done' } })).toMatchObject({
      status: 'partially_failed',
      error: "1 of 13 row(s) were refused (7.7%; 2 more held back for consent or a privacy request), more than maxRefusedPercent (5%); see their reasons in sync_row_results (status 'rejected')",
    });
    // Exactly at the limit is within it: 2 of 40 is 5%.
    expect(finishedRun({ ...base, maxRefusedPercent: 5, run: run({ delivered: 38 }), end: { kind: 'done' } }).status).toBe('succeeded');
    expect(finishedRun({ ...base, maxRefusedPercent: 5, run: run({ delivered: 37 }), end: { kind: 'done' } }).status).toBe('partially_failed');
    // Rows left undelivered say more than refusals: the run failed.
    expect(finishedRun({ ...base, maxRefusedPercent: 5, run: run({ failed: 1 }), end: { kind: 'done' } }).status).toBe('failed');
    // A limit of 100 never trips; a run with no rows never does either.
    expect(finishedRun({ ...base, maxRefusedPercent: 100, run: run({ delivered: 0 }), end: { kind: 'done' } }).status).toBe('succeeded');
    expect(finishedRun({ ...base, maxRefusedPercent: 0, run: run({ delivered: 0, rejected: 0 }), end: { kind: 'done' } }).status).toBe('succeeded');
  });
  it('a stop keeps what was asked; a lost checkpoint is still said', () => {
    const paused = finishedRun({ ...base, run: run(), end: { kind: 'stopped', reason: 'shutdown' }, stop: { to: 'paused', reason: 'shutdown' } });
    expect(paused).toMatchObject({ status: 'paused', owner: null, finishedAt: null, error: null });
    const cancelled = finishedRun({ ...base, run: run(), end: { kind: 'stopped', reason: 'x' }, stop: { to: 'cancelled', reason: 'cancelled by a user' }, checkpointError: 'gone' });
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.error).toMatch(/^cancelled by a user; could not write the run's last checkpoint: gone;/);
    expect(finishedRun({ ...base, run: run(), end: { kind: 'fatal', reason: 'HTTP 401' } })).toMatchObject({ status: 'failed', error: 'HTTP 401' });
  });
});

describe('group commit', () => {
  it('writes what waits in one write, and hands a failed write to every caller in it', async () => {
    const writes: number[][] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const commit = createGroupCommit<number>(async (batch) => {
      writes.push([...batch]);
      if (writes.length === 1) await gate;
      if (writes.length === 2) throw new Error('disk full');
    });
    const first = commit.record([1]);
    const second = commit.record([2, 3]);
    const third = commit.record([4]);
    const settled = Promise.allSettled([first, second, third]);
    release();
    const [a, b, c] = await settled;
    expect(a).toEqual({ status: 'fulfilled', value: undefined });
    expect([b, c].map((x) => x!.status === 'rejected' && String(x!.reason))).toEqual(['Error: disk full', 'Error: disk full']);
    expect(writes).toEqual([[1], [2, 3, 4]]);
  });
});

describe('runs held by an engine', () => {
  it('one per sync; the first stop decides; close waits for them, up to its grace', async () => {
    const active = createActiveRuns();
    let finish: () => void = () => undefined;
    const seen: string[] = [];
    const held = active.hold('usage', (run) => {
      run.onStop((to, reason) => seen.push(`${to}: ${reason}`));
      return new Promise<string>((r) => (finish = () => r('returned')));
    });
    expect(active.has('usage')).toBe(true);
    const [run] = active.all();
    run!.stop('paused', 'shutting down');
    run!.stop('cancelled', 'too late');
    expect([run!.requested(), seen]).toEqual([{ to: 'paused', reason: 'shutting down' }, ['paused: shutting down', 'cancelled: too late']]);
    // The grace runs out on the clock: still running then.
    const clock = manualClock();
    const waiting = settledWithin([run!.done], 20, clock.after);
    clock.advance(20);
    expect(await waiting).toBe(1);
    expect(clock.timers()).toBe(0);
    finish();
    expect(await held).toBe('returned');
    // Settled before the grace ends: the timer is cancelled.
    const settled = settledWithin([run!.done], 20, clock.after);
    expect(await settled).toBe(0);
    expect(clock.timers()).toBe(0);
    expect(active.has('usage')).toBe(false);
  });
});
