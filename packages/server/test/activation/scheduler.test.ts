import { silentLogger } from '@touchline/destinations';
import { startHubspotStandIn, type HubspotStandIn } from '@touchline/destinations/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createScheduler } from '../../src/activation/engine/scheduler.js';
import type { SyncEngine } from '../../src/activation/engine/sync-engine.js';
import { activationConfig, duckWarehouse, manualClock, testEngine, type TestWarehouse } from './support.js';

describe('scheduled syncs', () => {
  let w: TestWarehouse;
  let hubspot: HubspotStandIn;
  beforeEach(async () => {
    w = await duckWarehouse();
    hubspot = await startHubspotStandIn();
    await w.exec(`CREATE TABLE t AS SELECT 'p' || i || '@example.com' AS email, i AS n FROM range(300) r(i)`);
  });
  afterEach(async () => {
    await hubspot.close();
    await w.dispose();
  });
  const config = (schedule: unknown, rateLimit: { requests: number; windowMs: number } | null = { requests: 1, windowMs: 100 }) =>
    activationConfig({
      destinations: { hs: { type: 'hubspot', config: { endpoint: hubspot.url, accessToken: 'test-token', properties: { n: 'feature_x_uses' } }, ...(rateLimit ? { rateLimit } : {}) } },
      syncs: { s: { destination: 'hs', source: { sql: 'SELECT * FROM t' }, primaryKey: 'email', mode: 'upsert', schedule, concurrency: 1 } },
    });

  it('runs a sync every interval after its last start, never twice at once', async () => {
    const T0 = Date.parse('2026-12-07T12:00:00.000Z');
    const clock = manualClock(T0);
    // No rate limit of our own here: the clock stands still while a run sends.
    const cfg = config({ every: '500ms' }, null);
    const engine = testEngine(cfg, w.warehouse, { clock });
    // Told when a run has its record (and so its start time), before the clock moves on.
    let started = Promise.resolve();
    let markStarted: () => void = () => undefined;
    const nextStart = () => (started = new Promise<void>((r) => (markStarted = r)));
    const watched: SyncEngine = { ...engine, run: (name, o) => engine.run(name, { ...o, onStart: () => markStarted() }) };
    // The timer never fires during the test: it advances the clock and asks for due syncs itself.
    const scheduler = createScheduler({ syncs: cfg.syncs, engine: watched, clock, logger: silentLogger, tickMs: 3_600_000 });
    nextStart();
    await scheduler.start();
    // Never ran: due at once.
    expect(engine.isRunning('s')).toBe(true);
    await started;
    clock.advance(500);
    scheduler.tick();
    await scheduler.idle();
    // Due again while the first run was still going: not started twice.
    expect((await engine.history('s')).map((r) => r.startedAt)).toEqual(['2026-12-07T12:00:00.000Z']);
    nextStart();
    scheduler.tick();
    await started;
    await scheduler.idle();
    clock.advance(499);
    scheduler.tick();
    expect(engine.isRunning('s')).toBe(false);
    clock.advance(1);
    nextStart();
    scheduler.tick();
    await started;
    await scheduler.idle();
    await scheduler.stop();
    const runs = (await engine.history('s')).reverse();
    expect(runs.map((r) => [r.startedAt, r.trigger, r.status, r.delivered])).toEqual([
      ['2026-12-07T12:00:00.000Z', 'schedule', 'succeeded', 300],
      ['2026-12-07T12:00:00.500Z', 'schedule', 'succeeded', 0],
      ['2026-12-07T12:00:01.000Z', 'schedule', 'succeeded', 0],
    ]);

    // A scheduler started later counts from the last run's start, not from its own.
    clock.advance(200);
    // This one ticks on its own timer, every 100 ms of the clock: at 12:00:01.500 the sync is due.
    const later = createScheduler({ syncs: cfg.syncs, engine: watched, clock, logger: silentLogger, tickMs: 100 });
    await later.start();
    expect(engine.isRunning('s')).toBe(false);
    nextStart();
    clock.advance(299);
    expect(engine.isRunning('s')).toBe(false);
    clock.advance(1);
    expect(engine.isRunning('s')).toBe(true);
    await started;
    await later.idle();
    await later.stop();
    expect((await engine.history('s', 1)).map((r) => r.startedAt)).toEqual(['2026-12-07T12:00:01.500Z']);
    for (let i = 0; i < 300; i++) expect(hubspot.received(`p${i}@example.com`)).toBe(1);
    await engine.close();
  });

  it('resumes at start a run its process left behind, whatever the schedule', async () => {
    const cfg = config('manual');
    const first = testEngine(cfg, w.warehouse);
    const paused = await first.run('s', { onProgress: (p) => p.delivered >= 100 && first.stop('s', 'paused', 'shutdown') });
    expect(paused.status).toBe('paused');
    await first.close();
    const engine = testEngine(cfg, w.warehouse);
    // The start resumes it: no tick of the scheduler's clock is needed.
    const scheduler = createScheduler({ syncs: cfg.syncs, engine, clock: manualClock(), logger: silentLogger });
    await scheduler.start();
    await scheduler.idle();
    const [run] = await engine.history('s');
    expect(run).toMatchObject({ runId: paused.runId, status: 'succeeded', resumes: 1, delivered: 300 });
    for (let i = 0; i < 300; i++) expect(hubspot.received(`p${i}@example.com`)).toBe(1);
    await scheduler.stop();
    await engine.close();
  });
});
