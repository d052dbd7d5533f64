/**
 * The retention policy on both engines, with the time injected: raw IPs and user agents cleared
 * past their days (browser and device kept), old events, sync row results and failed events
 * deleted, recent ones kept; the job runs at start and on its schedule (a manual clock), one log
 * line per run with its counts, which `/admin/status` shows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/config.js';
import { enforceRetention, scheduleRetention, type RetentionSettings } from '../../src/privacy/retention.js';
import { pendingMutations } from '../../src/privacy/erase-person.js';
import { ColumnType } from '../../src/warehouse/schema.js';
import { clickhouseSkipReason, startClickHouseServer, type ClickHouseTestServer } from '../support/clickhouse-server.js';
import { manualClock } from '../support/manual-clock.js';
import { startHarness, type Harness } from '../support/harness.js';

const DAY = 86_400_000;
const SAFARI = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15';
const SETTINGS: RetentionSettings = { ipUserAgentDays: 30, eventsDays: 400, syncRowResultsDays: 100, failedEventsDays: 90 };

function retentionSuite(engine: string, warehouse: () => Promise<ConfigInput['warehouse']>, dispose: () => Promise<void>): void {
  describe(`retention on ${engine}`, () => {
    let h: Harness;
    const now = Date.now();
    const settled = async () => {
      // ClickHouse changes rows in the background: wait until its mutations are done.
      for (let i = 0; i < 600 && (await pendingMutations(h.warehouse, new Date(now - DAY).toISOString())).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    };
    const rows = (sql: string) => h.sql(sql);

    beforeAll(async () => {
      h = await startHarness({ warehouse: await warehouse() });
      const at = (days: number) => new Date(now - days * DAY).toISOString();
      const ev = (id: string, days: number) => ({ type: 'track', event: 'Seen', messageId: id, anonymousId: `a-${id}`, timestamp: at(days), context: { ip: '203.0.113.7', userAgent: SAFARI } });
      const res = await h.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: h.auth }, payload: { batch: [ev('old', 500), ev('mid', 60), ev('new', 1), { type: 'track', messageId: 'bad' }] } });
      expect(res.statusCode).toBe(200);
      await h.loader.flush();
      const cols = [{ name: 'run_id', type: ColumnType.String }, { name: 'sync_name', type: ColumnType.String }, { name: 'pk', type: ColumnType.String }, { name: 'attempt', type: ColumnType.Int }, { name: 'recorded_at', type: ColumnType.Timestamp }];
      await h.warehouse.insertRows('sync_row_results', cols, [['r1', 's', 'old-row', 1, at(200)], ['r2', 's', 'new-row', 1, at(1)]]);
    }, 120_000);
    afterAll(async () => {
      await h?.dispose();
      await dispose();
    });

    it('clears raw IPs and user agents past their days, keeping what was derived from them', async () => {
      const r = await enforceRetention(h.warehouse, { ...SETTINGS, eventsDays: null, syncRowResultsDays: null, failedEventsDays: null }, new Date(now));
      expect(r).toMatchObject({ ipUserAgentCleared: 2, eventsDeleted: 0, syncRowResultsDeleted: 0, failedEventsDeleted: 0 });
      await settled();
      expect(await rows(`SELECT message_id, ip, user_agent, browser FROM events ORDER BY message_id`)).toEqual([
        { message_id: 'mid', ip: null, user_agent: null, browser: 'Safari' },
        { message_id: 'new', ip: '203.0.113.7', user_agent: SAFARI, browser: 'Safari' },
        { message_id: 'old', ip: null, user_agent: null, browser: 'Safari' },
      ]);
      // Run again: nothing is left to clear.
      expect((await enforceRetention(h.warehouse, { ...SETTINGS, eventsDays: null, syncRowResultsDays: null, failedEventsDays: null }, new Date(now))).ipUserAgentCleared).toBe(0);
    });

    it('deletes events and sync row results past their days; recent ones stay', async () => {
      expect(await enforceRetention(h.warehouse, SETTINGS, new Date(now))).toMatchObject({ eventsDeleted: 1, syncRowResultsDeleted: 1, failedEventsDeleted: 0 });
      await settled();
      expect(await rows(`SELECT message_id FROM events ORDER BY message_id`)).toEqual([{ message_id: 'mid' }, { message_id: 'new' }]);
      expect(await rows(`SELECT pk FROM sync_row_results ORDER BY pk`)).toEqual([{ pk: 'new-row' }]);
      expect(await rows(`SELECT count(*) AS n FROM failed_events`)).toEqual([{ n: 1 }]);
    });

    it('runs on its schedule with the policy of the moment, one log line per run', async () => {
      const lines: Record<string, unknown>[] = [];
      const clock = manualClock(now + 100 * DAY);
      let settings: RetentionSettings = { ipUserAgentDays: null, eventsDays: null, syncRowResultsDays: null, failedEventsDays: null };
      const job = scheduleRetention({ warehouse: h.warehouse, settings: () => settings, clock, log: (msg, f) => lines.push({ msg, ...f }) });
      try {
        expect(job.last()).toBeNull(); // everything off: no run at start
        settings = SETTINGS;
        clock.advance(6 * 3_600_000);
        const r = await job.runNow();
        expect(r).toMatchObject({ failedEventsDeleted: 1, eventsDeleted: 0 });
        expect(lines).toEqual([expect.objectContaining({ msg: 'retention: applied the policy', failedEventsDeleted: 1 })]);
        await settled();
        expect(await rows(`SELECT count(*) AS n FROM failed_events`)).toEqual([{ n: 0 }]);
      } finally {
        job.stop();
      }
    });
  });
}

retentionSuite('DuckDB', async () => ({ engine: 'duckdb' }), async () => undefined);

let server: ClickHouseTestServer | undefined;
describe.skipIf(clickhouseSkipReason() !== null)(`ClickHouse ${clickhouseSkipReason() ?? ''}`, () => {
  retentionSuite(
    'ClickHouse',
    async () => {
      server = await startClickHouseServer();
      return { engine: 'clickhouse', clickhouse: { url: server.url, database: 'privacy_retention' } };
    },
    async () => server?.dispose(),
  );
});
