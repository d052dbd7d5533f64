import { silentLogger, systemClock } from '@touchline/destinations';
import { startHubspotStandIn, type HubspotStandIn } from '@touchline/destinations/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createScheduler } from '../../src/activation/engine/scheduler.js';
import { activationConfig, duckWarehouse, testEngine, type TestWarehouse } from './support.js';

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
  const config = (schedule: unknown) =>
    activationConfig({
      destinations: { hs: { type: 'hubspot', config: { endpoint: hubspot.url, accessToken: 'test-token', properties: { n: 'feature_x_uses' } }, rateLimit: { requests: 1, windowMs: 100 } } },
      syncs: { s: { destination: 'hs', source: { sql: 'SELECT * FROM t' }, primaryKey: 'email', mode: 'upsert', schedule, concurrency: 1 } },
    });

  it('runs a sync every interval, never twice at once', async () => {
    const cfg = config({ every: '500ms' });
    const engine = testEngine(cfg, w.warehouse);
    const scheduler = createScheduler({ syncs: cfg.syncs, engine, clock: systemClock, logger: silentLogger, tickMs: 50 });
    await scheduler.start();
    await new Promise((r) => setTimeout(r, 1300));
    await scheduler.stop();
    await scheduler.idle();
    const runs = await engine.history('s');
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs.every((r) => r.trigger === 'schedule' && r.status === 'succeeded')).toBe(true);
    expect(runs.reverse()[0]).toMatchObject({ delivered: 300 });
    await engine.close();
  });

  it('resumes at start a run its process left behind, whatever the schedule', async () => {
    const cfg = config('manual');
    const first = testEngine(cfg, w.warehouse);
    const paused = await first.run('s', { onProgress: (p) => p.delivered >= 100 && first.stop('s', 'paused', 'shutdown') });
    expect(paused.status).toBe('paused');
    await first.close();
    const engine = testEngine(cfg, w.warehouse);
    const scheduler = createScheduler({ syncs: cfg.syncs, engine, clock: systemClock, logger: silentLogger, tickMs: 50 });
    await scheduler.start();
    await scheduler.idle();
    const [run] = await engine.history('s');
    expect(run).toMatchObject({ runId: paused.runId, status: 'succeeded', resumes: 1, delivered: 300 });
    for (let i = 0; i < 300; i++) expect(hubspot.received(`p${i}@example.com`)).toBe(1);
    await scheduler.stop();
    await engine.close();
  });
});
