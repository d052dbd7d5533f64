import { startGoogleDataManagerStandIn, type GoogleDataManagerStandIn } from '@touchline/destinations/testing';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/activation/store/records.js';
import { main } from '../../src/cli/main.js';
import { activationConfig, duckWarehouse, FAST_RETRY, manualClock, testEngine, type TestWarehouse } from './support.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const ts = (ms: number) => new Date(ms).toISOString();

describe('honest run status: refusals past maxRefusedPercent, late vendor verdicts', () => {
  let w: TestWarehouse;
  let google: GoogleDataManagerStandIn;
  const now = Date.now();

  beforeAll(async () => {
    w = await duckWarehouse();
    google = await startGoogleDataManagerStandIn();
    await w.exec(`CREATE TABLE conversions AS SELECT 'T-' || i AS transaction_id, 'gclid-' || i AS gclid,
      TIMESTAMPTZ '${ts(now - 5 * HOUR)}' AS conversion_time, 10.0 * i AS conversion_value, 'EUR' AS currency,
      'granted' AS consent_ad_user_data FROM range(10) r(i)`);
    // The same with other click ids: the clicks registered above stay registered in the stand-in.
    await w.exec(`CREATE TABLE later AS SELECT transaction_id, 'late-' || gclid AS gclid, conversion_time, conversion_value, currency, consent_ad_user_data FROM conversions`);
  });
  afterAll(async () => {
    await google.close();
    await w.dispose();
  });
  beforeEach(async () => {
    google.reset();
    await w.exec(`DELETE FROM sync_state`);
  });

  const config = (maxRefusedPercent?: number) =>
    activationConfig({
      destinations: { google: { type: 'google-data-manager', config: { endpoint: google.url, accessToken: 'test-token', operatingAccountId: '1234567890', conversionActionId: '55' } } },
      syncs: {
        conversions: {
          destination: 'google', source: { sql: 'SELECT * FROM conversions' }, primaryKey: 'transaction_id', mode: 'insert', retry: FAST_RETRY,
          ...(maxRefusedPercent === undefined ? {} : { maxRefusedPercent }),
        },
        later: { destination: 'google', source: { sql: 'SELECT * FROM later' }, primaryKey: 'transaction_id', mode: 'insert', retry: FAST_RETRY },
      },
    });

  it('a run with 2 of 10 rows refused by Google ends partially_failed, and listeners hear of it', async () => {
    // Google knows these clicks happened after their conversions: it refuses those two events.
    google.registerClick('gclid-3', now - HOUR);
    google.registerClick('gclid-7', now - HOUR);
    const ended: RunRecord[] = [];
    const engine = testEngine(config(), w.warehouse, { onRunEnded: (r) => ended.push(r) });
    const run = await engine.run('conversions');
    expect(run).toMatchObject({ status: 'partially_failed', delivered: 8, rejected: 2, failed: 0 });
    expect(run.error).toBe("2 of 10 row(s) were refused (20.0%), more than maxRefusedPercent (5%); see their reasons in sync_row_results (status 'rejected')");
    expect(ended.map((r) => [r.runId, r.status])).toEqual([[run.runId, 'partially_failed']]);
    expect((await engine.history('conversions', 1))[0]).toMatchObject({ runId: run.runId, status: 'partially_failed' });
    await engine.close();
  });

  it('the same refusals within a sync\'s own maxRefusedPercent succeed', async () => {
    google.registerClick('gclid-3', now - HOUR);
    google.registerClick('gclid-7', now - HOUR);
    const engine = testEngine(config(25), w.warehouse);
    expect(await engine.run('conversions')).toMatchObject({ status: 'succeeded', delivered: 8, rejected: 2, error: null });
    await engine.close();
  });

  it('late verdicts: a partial verdict isolates each row, and the rows Google refused later are no longer delivered', async () => {
    const clock = manualClock(now);
    const ended: RunRecord[] = [];
    const engine = testEngine(config(), w.warehouse, { clock, onRunEnded: (r) => ended.push(r) });
    // The request of 10 rows is accepted, then Google reports 2 of them refused, without naming them.
    google.lateVerdict({ status: 'PARTIAL_SUCCESS', errors: [{ reason: 'INVALID_CLICK_ID', count: 2 }] });
    const run = await engine.run('later');
    expect(run).toMatchObject({ status: 'succeeded', delivered: 10, rejected: 0 });
    const statuses = await w.rows(`SELECT status, count(*) AS n FROM sync_row_results WHERE run_id = '${run.runId}' GROUP BY status`);
    expect(statuses).toEqual([{ status: 'accepted', n: 10 }]);

    // Before Google's usual processing time, nothing is asked.
    clock.advance(4 * MINUTE);
    expect(await engine.collectVerdicts('later')).toMatchObject({ asked: 0 });
    expect(google.requests.filter((r) => r.path === '/v1/requestStatus:retrieve')).toHaveLength(0);

    // Each row is sent again alone (in key order); Google refuses T-2 and T-7 on their own.
    for (let i = 0; i < 8; i++) {
      google.lateVerdict(i === 2 || i === 7 ? { status: 'FAILED', errors: [{ reason: 'INVALID_CLICK_ID', count: 1 }] } : { status: 'SUCCESS' });
    }
    clock.advance(MINUTE);
    expect(await engine.collectVerdicts('later')).toEqual({ asked: 10, delivered: 10, rejected: 0, pending: 0, runs: [] });
    // Sent twice, counted once: Google dedups on the transaction id.
    expect([google.received('T-2'), google.count('T-2')]).toEqual([2, 1]);

    clock.advance(5 * MINUTE);
    const second = await engine.collectVerdicts('later');
    expect(second).toMatchObject({ asked: 10, delivered: 8, rejected: 2, pending: 0 });
    expect(second.runs).toHaveLength(1);
    expect(second.runs[0]).toMatchObject({ runId: run.runId, status: 'partially_failed', delivered: 8, rejected: 2 });
    expect(ended.map((r) => r.status)).toEqual(['succeeded', 'partially_failed']);
    expect(await engine.history('later', 1)).toMatchObject([{ runId: run.runId, status: 'partially_failed', delivered: 8, rejected: 2 }]);

    // Each row's latest result says what became of it; the refused rows are refused in the state.
    const refused = await w.rows(`SELECT pk, status, code, vendor_code FROM sync_row_results WHERE run_id = '${run.runId}' AND status = 'rejected' ORDER BY pk`);
    expect(refused).toEqual([
      { pk: 'T-2', status: 'rejected', code: 'VENDOR_REFUSED', vendor_code: 'INVALID_CLICK_ID' },
      { pk: 'T-7', status: 'rejected', code: 'VENDOR_REFUSED', vendor_code: 'INVALID_CLICK_ID' },
    ]);
    const final = await w.rows(`SELECT pk, attempt, status FROM sync_row_results WHERE run_id = '${run.runId}' AND pk IN ('T-2', 'T-3') ORDER BY pk, attempt, status`);
    expect(final).toEqual([
      { pk: 'T-2', attempt: 1, status: 'accepted' },
      { pk: 'T-2', attempt: 1, status: 'isolating' },
      { pk: 'T-2', attempt: 2, status: 'accepted' },
      { pk: 'T-2', attempt: 2, status: 'rejected' },
      { pk: 'T-3', attempt: 1, status: 'accepted' },
      { pk: 'T-3', attempt: 1, status: 'isolating' },
      { pk: 'T-3', attempt: 2, status: 'accepted' },
      { pk: 'T-3', attempt: 2, status: 'delivered' },
    ]);
    const state = await w.rows(`SELECT pk, status FROM sync_state WHERE sync_name = 'later' AND status <> 'delivered' ORDER BY pk`);
    expect(state).toEqual([{ pk: 'T-2', status: 'rejected' }, { pk: 'T-7', status: 'rejected' }]);

    // Asked again, nothing is left to ask: verdicts are recorded once.
    clock.advance(5 * MINUTE);
    expect(await engine.collectVerdicts('later')).toEqual({ asked: 0, delivered: 0, rejected: 0, pending: 0, runs: [] });
    await engine.close();
  });

  it('a verdict still processing is asked again later; a run collects earlier runs\' verdicts first', async () => {
    // Later than the previous test's runs, so the history's order is the start order.
    const clock = manualClock(now + HOUR);
    const engine = testEngine(config(), w.warehouse, { clock });
    google.lateVerdict({ status: 'PROCESSING' });
    const run = await engine.run('later');
    clock.advance(6 * MINUTE);
    expect(await engine.collectVerdicts('later')).toMatchObject({ asked: 10, delivered: 0, rejected: 0, pending: 10 });
    // Google finishes: the whole request failed. The next run asks first, and the run is reassessed.
    const [receipt] = await w.rows(`SELECT DISTINCT receipt->>'requestId' AS id FROM sync_row_results WHERE run_id = '${run.runId}'`);
    const requestId = String(receipt!['id']);
    google.settle(requestId, { status: 'FAILED', errors: [{ reason: 'INVALID_CONVERSION_ACTION', count: 10 }] });
    clock.advance(6 * MINUTE);
    const next = await engine.run('later');
    expect(next).toMatchObject({ status: 'succeeded', plannedAdd: 0 });
    expect(await engine.history('later', 2)).toMatchObject([
      { runId: next.runId },
      { runId: run.runId, status: 'partially_failed', delivered: 0, rejected: 10 },
    ]);
    await engine.close();
  });

  it('two collections at once record each verdict once', async () => {
    const clock = manualClock(now + 2 * HOUR);
    const engine = testEngine(config(), w.warehouse, { clock });
    google.lateVerdict({ status: 'FAILED', errors: [{ reason: 'INVALID_CONVERSION_ACTION', count: 10 }] });
    const run = await engine.run('later');
    clock.advance(6 * MINUTE);
    const both = await Promise.all([engine.collectVerdicts('later'), engine.collectVerdicts('later')]);
    expect(both.map((x) => [x.asked, x.rejected])).toEqual([[10, 10], [0, 0]]);
    expect(await engine.history('later', 1)).toMatchObject([{ runId: run.runId, status: 'partially_failed', delivered: 0, rejected: 10 }]);
    expect(await w.rows(`SELECT count(*) AS n FROM sync_row_results WHERE run_id = '${run.runId}' AND status = 'rejected'`)).toEqual([{ n: 10 }]);
    await engine.close();
  });

  it('`touchline sync run` exits 1 for a partially_failed run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'touchline-run-status-'));
    try {
      google.registerClick('gclid-3', now - HOUR);
      google.registerClick('gclid-7', now - HOUR);
      const file = join(dir, 'touchline.config.json');
      await writeFile(file, JSON.stringify({
        dataDir: join(dir, 'data'),
        destinations: { google: { type: 'google-data-manager', config: { endpoint: google.url, accessToken: 'test-token', operatingAccountId: '1234567890', conversionActionId: '55' } } },
        syncs: {
          conversions: {
            destination: 'google', primaryKey: 'transaction_id', mode: 'insert', retry: FAST_RETRY,
            source: { sql: `SELECT 'T-' || i AS transaction_id, 'gclid-' || i AS gclid, TIMESTAMPTZ '${ts(now - 5 * HOUR)}' AS conversion_time, 10.0 AS conversion_value, 'EUR' AS currency, 'granted' AS consent_ad_user_data FROM range(10) r(i)` },
          },
        },
      }));
      const lines: string[] = [];
      const code = await main(['sync', 'run', 'conversions', '--config', file, '--no-progress'], (s) => lines.push(s));
      expect(lines.join('\n')).toContain('sync conversions: partially_failed');
      expect(code).toBe(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
