/**
 * The ClickHouse touch store against a real server: the conformance suite every store runs, then
 * what only a shared store has to show: several collectors (store instances) on one table, a
 * visitor switching between them, two of them writing one new visitor's first touch at once,
 * ClickHouse going away and coming back, and a SQLite store moved in.
 */
import { touchFromLanding, type Touch, type TouchState } from '@touchline/protocol';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../src/clock/clock.js';
import { manualClock } from '../support/manual-clock.js';
import { openTouchStore } from '../../src/tracker-endpoint/open-touch-store.js';
import { TrackerConfigSchema } from '../../src/tracker-endpoint/tracker-config.js';
import { openClickHouseTouchStore, type ClickHouseTouchStore, type ClickHouseTouchStoreOptions } from '../../src/tracker-endpoint/clickhouse-touch-store.js';
import { openSqliteTouchStore } from '../../src/tracker-endpoint/sqlite-touch-store.js';
import { importSqliteTouches } from '../../src/tracker-endpoint/touch-store-import.js';
import { applyEventTouch } from '../../src/tracker-endpoint/visitor-touches.js';
import { touchTableStatements } from '../../src/warehouse/clickhouse/clickhouse-touch-tables.js';
import { openClickHouseWarehouse } from '../../src/warehouse/clickhouse/clickhouse-warehouse.js';
import { clickhouseSkipReason, startClickHouseServer, type ClickHouseTestServer } from '../support/clickhouse-server.js';
import { touchStoreConformance } from './touch-store-conformance.js';

const rules = { siteDomains: [] };
const landing = (url: string, referrer?: string): Touch => touchFromLanding(url, referrer);
/** What the tracker endpoint does with one page view: the protocol's rules against the stored state. */
const visit = (url: string, at: string, referrer?: string) => (s: TouchState) => applyEventTouch(s, landing(url, referrer), at, rules);

describe.skipIf(clickhouseSkipReason() !== null)('ClickHouse touch store', () => {
  let server: ClickHouseTestServer;
  let dbs = 0;
  const stores: ClickHouseTouchStore[] = [];

  beforeAll(async () => {
    server = await startClickHouseServer();
  });
  afterAll(async () => {
    for (const s of stores) await s.close();
    await server?.dispose();
  });

  /** A fresh database with the store's tables (as migration 3 creates them). */
  const freshDatabase = async () => {
    const db = `touchline_touches_${++dbs}`;
    await server.sql(`CREATE DATABASE ${db}`);
    for (const s of touchTableStatements(db)) await server.sql(s);
    return db;
  };
  /** One collector's store; `flushIntervalMs` long by default so the tests decide when facts are inserted. */
  const collector = async (database: string, o: Partial<ClickHouseTouchStoreOptions> = {}) => {
    const s = await openClickHouseTouchStore({ connection: { url: server.url, database }, flushIntervalMs: 60_000, log: () => undefined, ...o });
    stores.push(s);
    return s;
  };

  touchStoreConformance('clickhouse', async () => collector(await freshDatabase(), { flushIntervalMs: 250 }));

  describe('two collectors on one warehouse', () => {
    let database: string;
    beforeAll(async () => {
      database = 'touchline_shared';
      // the warehouse's own migration creates the store's tables
      const w = await openClickHouseWarehouse({ url: server.url, database });
      await w.migrate();
      await w.close();
    });

    it('a visitor who lands through A with a campaign keeps that first touch through B; B moves last touch', async () => {
      const a = await collector(database);
      const b = await collector(database);
      const id = 'visitor-switches-00000001';
      const landed = await a.update(id, visit('https://www.shop.test/?utm_source=newsletter&utm_medium=email&utm_campaign=spring', '2026-03-01T10:00:00.000Z'));
      expect(landed.first?.utm_source).toBe('newsletter');
      expect((await a.get(id))?.last?.utm_source).toBe('newsletter'); // A reads its own write before inserting it
      await a.flush();

      const direct = await b.update(id, visit('https://www.shop.test/pricing', '2026-03-02T09:00:00.000Z'));
      expect(direct.first?.utm_source).toBe('newsletter');
      expect(direct.last?.utm_source).toBe('newsletter'); // a direct visit never moves last touch
      expect(direct.session).toEqual({ url: 'https://www.shop.test/pricing', at: '2026-03-02T09:00:00.000Z' });

      const ad = await b.update(id, visit('https://www.shop.test/?utm_source=google&utm_medium=cpc&gclid=Cj0KCQjwB', '2026-03-03T09:00:00.000Z'));
      expect(ad.first?.utm_source).toBe('newsletter');
      expect(ad.last).toMatchObject({ utm_source: 'google', click_id: 'Cj0KCQjwB', at: '2026-03-03T09:00:00.000Z' });
      await b.flush();

      for (const s of [a, b, await collector(database)]) {
        expect(await s.get(id)).toMatchObject({
          first: { utm_source: 'newsletter', at: '2026-03-01T10:00:00.000Z' },
          last: { utm_source: 'google' },
          seen: '2026-03-03T09:00:00.000Z',
        });
      }
      // the view people query shows the same, decoded
      const row = await server.sql(`SELECT first, last, seen FROM ${database}.visitor_touches WHERE visitor_id = '${id}' FORMAT JSONEachRow`);
      const v = JSON.parse(row) as { first: string; last: string; seen: string };
      expect(JSON.parse(v.first)).toMatchObject({ utm_source: 'newsletter' });
      expect(JSON.parse(v.last)).toMatchObject({ utm_source: 'google' });
      expect(v.seen).toBe('2026-03-03T09:00:00.000Z');
    });

    it('other collectors see a write after the next flush, without being told', async () => {
      const clock = manualClock();
      const a = await collector(database, { flushIntervalMs: 250, clock });
      const b = await collector(database);
      const id = 'visitor-propagates-00000001';
      await a.update(id, visit('https://www.shop.test/?utm_source=bing&utm_medium=cpc', '2026-03-01T10:00:00.000Z'));
      expect(await b.get(id)).toBeUndefined();
      // a's flush timer falls due; its insert then takes a moment of real I/O
      clock.advance(250);
      await vi.waitFor(async () => expect((await b.get(id))?.first?.utm_source).toBe('bing'), { timeout: 10_000, interval: 20 });
    });

    it('two collectors writing a new visitor\'s first touch at once end with the earlier one as first, everywhere', async () => {
      const a = await collector(database);
      const b = await collector(database);
      const id = 'visitor-raced-00000001';
      // B's request is handled first but carries the later landing; neither sees the other's write
      const viaB = await b.update(id, visit('https://www.shop.test/?utm_source=facebook&utm_medium=paid_social', '2026-03-01T10:00:05.000Z'));
      const viaA = await a.update(id, visit('https://www.shop.test/?utm_source=newsletter&utm_medium=email', '2026-03-01T10:00:01.000Z'));
      expect(viaB.first?.utm_source).toBe('facebook');
      expect(viaA.first?.utm_source).toBe('newsletter');
      await b.flush();
      await a.flush();
      for (const s of [a, b]) {
        const state = await s.get(id);
        expect(state?.first).toMatchObject({ utm_source: 'newsletter', at: '2026-03-01T10:00:01.000Z' });
        expect(state?.last).toMatchObject({ utm_source: 'facebook', at: '2026-03-01T10:00:05.000Z' });
        expect(state?.seen).toBe('2026-03-01T10:00:05.000Z');
      }
      // and a later update through either keeps it
      const later = await b.update(id, visit('https://www.shop.test/?utm_source=google&utm_medium=cpc', '2026-03-05T10:00:00.000Z'));
      expect(later.first?.utm_source).toBe('newsletter');
      expect(later.last?.utm_source).toBe('google');
    });

    it('facts written concurrently for one visitor by two collectors lose no marketing touch', async () => {
      const a = await collector(database);
      const b = await collector(database);
      const id = 'visitor-interleaved-0001';
      // A sees a campaign, B (not yet seeing it) an internal page a moment later
      await a.update(id, visit('https://www.shop.test/?utm_source=tiktok&utm_medium=paid_social', '2026-03-01T10:00:00.000Z'));
      await b.update(id, visit('https://www.shop.test/cart', '2026-03-01T10:00:00.400Z', 'https://www.shop.test/'));
      await Promise.all([a.flush(), b.flush()]);
      expect(await a.get(id)).toMatchObject({ first: { utm_source: 'tiktok' }, last: { utm_source: 'tiktok' }, seen: '2026-03-01T10:00:00.400Z' });
    });
  });

  it('prunes once per interval across collectors (each DELETE rewrites the table)', async () => {
    const database = await freshDatabase();
    const a = await collector(database);
    const b = await collector(database);
    await a.update('expired-visitor-0001', () => ({ seen: '2024-01-01T00:00:00.000Z' }));
    expect(await a.prune('2025-01-01T00:00:00.000Z')).toBe(1);
    await b.update('expired-visitor-0002', () => ({ seen: '2024-01-02T00:00:00.000Z' }));
    expect(await b.prune('2025-01-01T00:00:00.000Z')).toBe(0); // A pruned a moment ago
    expect(await b.get('expired-visitor-0002')).toEqual({ seen: '2024-01-02T00:00:00.000Z' });
    const c = await collector(database, { pruneIntervalMs: 0 });
    expect(await c.prune('2025-01-01T00:00:00.000Z')).toBe(1);
    expect(await c.get('expired-visitor-0002')).toBeUndefined();
  });

  describe('moving a SQLite store in', () => {
    it('adds every visitor once, keeps the earlier first touch where ClickHouse already has the visitor, and renames the file', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'touchline-import-'));
      try {
        const database = await freshDatabase();
        const path = join(dir, 'touches.sqlite');
        const old = openSqliteTouchStore({ path });
        await old.update('visitor-only-in-sqlite', visit('https://www.shop.test/?utm_source=partner', '2025-06-01T10:00:00.000Z'));
        await old.update('visitor-in-both-000001', visit('https://www.shop.test/?utm_source=old-campaign', '2025-05-01T10:00:00.000Z'));
        await old.close();
        const ch = await collector(database);
        await ch.update('visitor-in-both-000001', visit('https://www.shop.test/?utm_source=new-campaign', '2026-01-01T10:00:00.000Z'));
        await ch.flush();

        const logs: string[] = [];
        expect(await importSqliteTouches(path, ch, (m) => logs.push(m))).toBe(2);
        expect(existsSync(path)).toBe(false);
        expect(existsSync(`${path}.imported`)).toBe(true);
        expect(logs).toEqual(['moved the SQLite touch store into ClickHouse']);
        expect(await importSqliteTouches(path, ch, () => undefined)).toBeNull();

        const other = await collector(database);
        expect((await other.get('visitor-only-in-sqlite'))?.first?.utm_source).toBe('partner');
        const both = await other.get('visitor-in-both-000001');
        expect(both?.first?.utm_source).toBe('old-campaign');
        expect(both?.last?.utm_source).toBe('new-campaign');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe('opening the touch store', () => {
    it('keeps the SQLite store where ClickHouse lacks the tables (an old cluster DDL) unless the ClickHouse store was asked for', async () => {
      await server.sql('CREATE DATABASE touchline_no_touch_tables');
      const dir = await mkdtemp(join(tmpdir(), 'touchline-endpoint-'));
      const logs: string[] = [];
      const inputs = (touchStore: Record<string, unknown>) => ({
        config: TrackerConfigSchema.parse({ touchStore }),
        dataDir: dir,
        warehouseEngine: 'clickhouse' as const,
        clickhouse: { url: server.url, database: 'touchline_no_touch_tables' },
        clock: systemClock,
        log: (m: string) => void logs.push(m),
      });
      try {
        const opened = await openTouchStore(inputs({}));
        expect(logs).toContain("touch store: ClickHouse has no touch store tables; keeping this collector's SQLite store (route /_t/* by cookie)");
        await opened.store.update('visitor-0000000001', () => ({ seen: '2026-03-01T00:00:00.000Z' }));
        expect(existsSync(join(dir, 'touches.sqlite'))).toBe(true);
        await opened.close();
        await expect(openTouchStore(inputs({ engine: 'clickhouse' }))).rejects.toThrow(
          /visitor_touch_facts, visitor_touches_store missing in ClickHouse database "touchline_no_touch_tables"/,
        );
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  // Last: stops the server.
  describe('when ClickHouse is unreachable', () => {
    it('updates go on from the collector\'s own writes, its facts are inserted when ClickHouse is back, and its next update reads ClickHouse', async () => {
      const database = await freshDatabase();
      const logs: string[] = [];
      // a's clock only moves when the test moves it: how long after the outage a's next update comes
      const clock = manualClock();
      const a = await collector(database, { flushIntervalMs: 100, timeoutMs: 1000, log: (m) => logs.push(m), clock });
      const id = 'visitor-outage-00000001';
      await a.update(id, visit('https://www.shop.test/?utm_source=newsletter', '2026-03-01T10:00:00.000Z'));
      await a.flush();

      await server.stop();
      const during = await a.update(id, visit('https://www.shop.test/?utm_source=google&utm_medium=cpc', '2026-03-01T11:00:00.000Z'));
      expect(during.last?.utm_source).toBe('google');
      expect(logs).toContain('touch store: ClickHouse unreachable; touches come from this collector\'s recent writes until it answers');
      // the flush timer falls due while ClickHouse is down: the insert fails, and is logged once
      expect(logs).not.toContain('touch store: inserting touch facts failed; kept in memory and retried');
      clock.advance(100);
      await vi.waitFor(() => expect(logs).toContain('touch store: inserting touch facts failed; kept in memory and retried'), { timeout: 10_000, interval: 20 });

      await server.start();
      await a.flush();
      const b = await collector(database);
      expect(await b.get(id)).toMatchObject({ first: { utm_source: 'newsletter' }, last: { utm_source: 'google' }, seen: '2026-03-01T11:00:00.000Z' });

      // ClickHouse answers again: a's next update, 1 s after its failed read, reads it (no quiet
      // period after a failed read in which a visitor another collector stored is answered as new)
      clock.advance(1000);
      const other = 'visitor-outage-00000002';
      await b.update(other, visit('https://www.shop.test/?utm_source=partner', '2026-03-01T09:00:00.000Z'));
      await b.flush();
      const after = await a.update(other, visit('https://www.shop.test/?utm_source=google&utm_medium=cpc', '2026-03-01T12:00:00.000Z'));
      expect(after).toMatchObject({ first: { utm_source: 'partner' }, last: { utm_source: 'google' } });
      expect(logs).toContain('touch store: ClickHouse answers again');
    });
  });
});
