import { silentLogger } from '@touchline/destinations';
import { startHubspotStandIn, type HubspotStandIn } from '@touchline/destinations/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timedOf, dueAfter, dueAtStart } from '../../src/activation/engine/schedule-plan.js';
import { createScheduler } from '../../src/activation/engine/scheduler.js';
import type { RunRecord } from '../../src/activation/store/records.js';
import { activationConfig, duckWarehouse, manualClock, testEngine, type TestWarehouse } from './support.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('schedule times: cron in a time zone, and the rule for missed runs', () => {
  const cron = (expr: string, timezone: string) => timedOf({ cron: expr, timezone })!;

  it('9:00 in Berlin is 08:00 UTC in winter and 07:00 UTC from the night the clocks go forward', () => {
    const nine = cron('0 9 * * *', 'Europe/Berlin');
    expect(iso(dueAfter(nine, at('2026-03-27T12:00:00Z')))).toBe('2026-03-28T08:00:00.000Z');
    expect(iso(dueAfter(nine, at('2026-03-28T08:00:00Z')))).toBe('2026-03-29T07:00:00.000Z');
    expect(iso(dueAfter(nine, at('2026-10-24T12:00:00Z')))).toBe('2026-10-25T08:00:00.000Z');
  });

  it('a local time the clock skips runs once, at the first instant after; a time that happens twice runs once', () => {
    // 02:30 does not exist in Berlin on 29 March 2026: the run is at 03:00 CEST (01:00 UTC), once.
    const skipped = cron('30 2 * * *', 'Europe/Berlin');
    expect(iso(dueAfter(skipped, at('2026-03-28T12:00:00Z')))).toBe('2026-03-29T01:00:00.000Z');
    expect(iso(dueAfter(skipped, at('2026-03-29T01:00:00Z')))).toBe('2026-03-30T00:30:00.000Z');
    // 01:30 happens twice in New York on 1 November 2026: once (the first, EDT), then daily in EST.
    const twice = cron('30 1 * * *', 'America/New_York');
    expect(iso(dueAfter(twice, at('2026-10-31T12:00:00Z')))).toBe('2026-11-01T05:30:00.000Z');
    expect(iso(dueAfter(twice, at('2026-11-01T05:30:00Z')))).toBe('2026-11-02T06:30:00.000Z');
  });

  it('after downtime: one catch-up run at start when a due time passed, never one per missed slot', () => {
    const hourly = cron('0 * * * *', 'UTC');
    const last = at('2026-12-07T09:00:00Z');
    // Down for three days and a bit: 75 missed slots, one run now.
    const now = at('2026-12-10T10:20:00Z');
    expect(dueAtStart(hourly, last, now)).toBe(now);
    // Back before the next slot: nothing missed, wait for it.
    expect(iso(dueAtStart(hourly, last, at('2026-12-07T09:59:00Z')))).toBe('2026-12-07T10:00:00.000Z');
    // Never ran: no slot was missed; the next one.
    expect(iso(dueAtStart(hourly, null, now))).toBe('2026-12-10T11:00:00.000Z');
    // every: from the last start, at once when past or never ran.
    const every = timedOf({ every: '6h' })!;
    expect(dueAtStart(every, last, now)).toBe(now);
    expect(dueAtStart(every, last, last + HOUR)).toBe(last + 6 * HOUR);
    expect(dueAtStart(every, null, now)).toBe(now);
  });
});

describe('the scheduler with cron, after-chains and overdue syncs', () => {
  let w: TestWarehouse;
  let hubspot: HubspotStandIn;
  beforeAll(async () => {
    w = await duckWarehouse();
    hubspot = await startHubspotStandIn();
    await w.exec(`CREATE TABLE t AS SELECT 'p' || i || '@example.com' AS email, i AS n FROM range(3) r(i)`);
  });
  afterAll(async () => {
    await hubspot.close();
    await w.dispose();
  });
  const sync = (schedule: unknown, source = 'SELECT * FROM t') => ({ destination: 'hs', source: { sql: source }, primaryKey: 'email', mode: 'upsert', schedule });
  const config = (syncs: Record<string, unknown>) =>
    activationConfig({
      destinations: { hs: { type: 'hubspot', config: { endpoint: hubspot.url, accessToken: 'test-token', properties: { n: 'feature_x_uses' } } } },
      syncs,
    });
  const starts = async (engine: ReturnType<typeof testEngine>, name: string) => (await engine.history(name)).reverse().map((r) => [r.startedAt, r.trigger]);

  it('runs a cron sync at its local time across the change to summer time, by the injected clock', async () => {
    const cfg = config({ berlin: sync({ cron: '0 9 * * *', timezone: 'Europe/Berlin' }) });
    const clock = manualClock(at('2026-03-28T07:59:00Z'));
    const engine = testEngine(cfg, w.warehouse, { clock });
    const scheduler = createScheduler({ syncs: cfg.syncs, engine, clock, logger: silentLogger, tickMs: 3_600_000 });
    await scheduler.start();
    expect(engine.isRunning('berlin')).toBe(false);
    expect(scheduler.due()).toEqual([{ sync: 'berlin', dueAt: at('2026-03-28T08:00:00Z') }]);
    clock.advance(60_000);
    scheduler.tick();
    await scheduler.idle();
    // Next day, 9:00 local is an hour earlier in UTC.
    clock.advance(23 * HOUR - 60_000);
    scheduler.tick();
    expect(engine.isRunning('berlin')).toBe(false);
    clock.advance(60_000);
    scheduler.tick();
    await scheduler.idle();
    await scheduler.stop();
    expect(await starts(engine, 'berlin')).toEqual([
      ['2026-03-28T08:00:00.000Z', 'schedule'],
      ['2026-03-29T07:00:00.000Z', 'schedule'],
    ]);
    await engine.close();
  });

  it('after downtime, a cron sync runs once at start, then at its next time', async () => {
    const cfg = config({ hourly: sync({ cron: '0 * * * *', timezone: 'UTC' }) });
    const clock = manualClock(at('2026-12-07T09:00:00Z'));
    const engine = testEngine(cfg, w.warehouse, { clock });
    await engine.run('hourly', { trigger: 'schedule' });
    // The server was down for three days.
    clock.advance(3 * DAY + 20 * 60_000);
    const scheduler = createScheduler({ syncs: cfg.syncs, engine, clock, logger: silentLogger, tickMs: 3_600_000 });
    await scheduler.start();
    await scheduler.idle();
    scheduler.tick();
    await scheduler.idle();
    expect(scheduler.due()).toEqual([{ sync: 'hourly', dueAt: at('2026-12-10T10:00:00Z') }]);
    clock.advance(40 * 60_000);
    scheduler.tick();
    await scheduler.idle();
    await scheduler.stop();
    expect(await starts(engine, 'hourly')).toEqual([
      ['2026-12-07T09:00:00.000Z', 'schedule'],
      ['2026-12-10T09:20:00.000Z', 'schedule'],
      ['2026-12-10T10:00:00.000Z', 'schedule'],
    ]);
    await engine.close();
  });

  it('runs a chain: b after a succeeded, c after b; nothing after a run that did not succeed', async () => {
    const cfg = config({
      a: sync({ every: '1d' }),
      b: sync({ after: 'a' }),
      c: sync({ after: 'b' }),
      // Its source fails: what is scheduled after it never runs.
      broken: sync({ every: '1d' }, 'SELECT * FROM no_such_table'),
      'after-broken': sync({ after: 'broken' }),
    });
    const clock = manualClock(at('2026-12-07T12:00:00Z'));
    let scheduler: ReturnType<typeof createScheduler> | null = null;
    const ended: RunRecord[] = [];
    const engine = testEngine(cfg, w.warehouse, { clock, onRunEnded: (r) => (ended.push(r), scheduler?.runEnded(r)) });
    scheduler = createScheduler({ syncs: cfg.syncs, engine, clock, logger: silentLogger, tickMs: 3_600_000 });
    await scheduler.start();
    // Runs started by a chain start more runs: wait until everything is quiet.
    for (let i = 0; i < 5; i++) {
      await scheduler.idle();
      await new Promise((r) => setImmediate(r));
    }
    await scheduler.stop();
    expect(ended.map((r) => [r.syncName, r.status, r.trigger])).toEqual(
      expect.arrayContaining([['a', 'succeeded', 'schedule'], ['b', 'succeeded', 'chain'], ['c', 'succeeded', 'chain'], ['broken', 'failed', 'schedule']]),
    );
    expect(ended.map((r) => r.syncName).sort()).toEqual(['a', 'b', 'broken', 'c']);
    expect(ended.findIndex((r) => r.syncName === 'b')).toBeGreaterThan(ended.findIndex((r) => r.syncName === 'a'));
    expect(ended.findIndex((r) => r.syncName === 'c')).toBeGreaterThan(ended.findIndex((r) => r.syncName === 'b'));
    await engine.close();
  });

  it('a cycle of after-chains is a config error naming the syncs; so is a chain to no sync', () => {
    expect(() => config({ x: sync({ after: 'y' }), y: sync({ after: 'z' }), z: sync({ after: 'x' }) })).toThrow(
      /syncs\.x\.schedule\.after: the syncs x -> y -> z -> x run after each other in a cycle/,
    );
    expect(() => config({ x: sync({ after: 'x' }) })).toThrow(/the syncs x -> x run after each other in a cycle/);
    expect(() => config({ x: sync({ after: 'nope' }) })).toThrow(/syncs\.x\.schedule\.after: no sync "nope" to run after/);
    expect(() => config({ x: sync({ cron: '61 * * * *' }) })).toThrow(/not a cron expression: .*minute/);
    expect(() => config({ x: sync({ cron: '0 * * * *', timezone: 'Mars/Olympus' }) })).toThrow(/an IANA time zone/);
  });

  it('names a timed sync not run on time: due longer ago than the grace period', async () => {
    const cfg = config({ late: sync({ cron: '*/15 * * * *', timezone: 'UTC' }) });
    const clock = manualClock(at('2026-12-07T12:01:00Z'));
    const engine = testEngine(cfg, w.warehouse, { clock });
    const scheduler = createScheduler({ syncs: cfg.syncs, engine, clock, logger: silentLogger, tickMs: 3_600_000 });
    await scheduler.start();
    // Due at 12:15; no tick came (a stalled process): overdue only once the grace period passed.
    clock.advance(14 * 60_000 + 10 * 60_000);
    expect(scheduler.overdue(10 * 60_000)).toEqual([]);
    clock.advance(1);
    expect(scheduler.overdue(10 * 60_000)).toEqual([{ sync: 'late', dueAt: at('2026-12-07T12:15:00Z') }]);
    await scheduler.stop();
    await engine.close();
  });
});
