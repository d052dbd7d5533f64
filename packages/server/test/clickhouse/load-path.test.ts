import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BulkFormat } from '../../src/warehouse/clickhouse/clickhouse-bulk.js';
import { openClickHouseWarehouse, type ClickHouseWarehouse } from '../../src/warehouse/clickhouse/clickhouse-warehouse.js';
import { clickhouseSkipReason, startClickHouseServer, type ClickHouseTestServer } from '../support/clickhouse-server.js';
import { eventLine, fromSegments, writeSegment } from '../support/rows.js';

const DAY = 24 * 3600_000;

/** The ClickHouse load path beyond the shared suite: big batches, races, unloadable lines. */
describe.skipIf(clickhouseSkipReason() !== null)('ClickHouse load path', () => {
  let server: ClickHouseTestServer;
  let w: ClickHouseWarehouse;
  let dir: string;
  let seq = 100;
  const count = async (sql: string) => Number((await w.query(sql)).rows[0]?.[0]);

  beforeAll(async () => {
    server = await startClickHouseServer();
    w = await openClickHouseWarehouse({ url: server.url, database: 'touchline_load' });
    await w.migrate();
    dir = await mkdtemp(join(tmpdir(), 'touchline-load-path-'));
  });
  afterAll(async () => {
    await w?.close();
    await server?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('loads a batch of many chunks, with duplicates spread across them, exactly once', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 25_000; i++) {
      lines.push(eventLine({ type: 'track', messageId: `big-${i % 21_000}`, anonymousId: `a-${i % 900}`, event: 'Big' }));
    }
    const files = [await writeSegment(dir, ++seq, lines.slice(0, 12_000)), await writeSegment(dir, ++seq, lines.slice(12_000))];
    const r = await w.load({ collectorId: 'big', ...fromSegments(files), lastSeq: seq, dedupWindowMs: DAY });
    expect(r).toEqual({ events: 21_000, duplicates: 4_000, failed: 0, unloadable: 0 });
    expect(await count(`SELECT count(*) FROM events WHERE event = 'Big'`)).toBe(21_000);
    expect(await count(`SELECT count(DISTINCT message_id) FROM events WHERE event = 'Big'`)).toBe(21_000);
  });

  it('shows copies that reach the store (collectors racing, a crash before the ids) once, before and after merges', async () => {
    const line = eventLine({ type: 'track', messageId: 'race-1', anonymousId: 'r', event: 'Race' });
    const [a, b] = [await writeSegment(join(dir, 'a'), 1, [line]), await writeSegment(join(dir, 'b'), 1, [line])];
    // Two collectors at the same moment: neither sees the other's ids.
    await Promise.all([
      w.load({ collectorId: 'col_a', ...fromSegments([a]), lastSeq: 1, dedupWindowMs: DAY }),
      w.load({ collectorId: 'col_b', ...fromSegments([b]), lastSeq: 1, dedupWindowMs: DAY }),
    ]);
    expect(await count(`SELECT count(*) FROM events WHERE message_id = 'race-1'`)).toBe(1);
    // A loader that crashed after writing events but before their ids replays its batch: the
    // replay's lookup misses, and a second physical copy with the same sorting key is written.
    const c = await writeSegment(join(dir, 'c'), 1, [eventLine({ type: 'track', messageId: 'race-2', anonymousId: 'r', event: 'Race' })]);
    await w.load({ collectorId: 'col_c', ...fromSegments([c]), lastSeq: 1, dedupWindowMs: DAY });
    await server.sql(`INSERT INTO touchline_load.events_store SELECT * FROM touchline_load.events_store WHERE message_id = 'race-2'`);
    const physical = async () => Number(await server.sql(`SELECT count() FROM touchline_load.events_store WHERE message_id = 'race-2'`));
    expect(await physical()).toBe(2);
    expect(await count(`SELECT count(*) FROM events WHERE message_id = 'race-2'`)).toBe(1);
    await server.sql('OPTIMIZE TABLE touchline_load.events_store FINAL');
    expect(await physical()).toBe(1);
    expect(await count(`SELECT count(*) FROM events WHERE message_id IN ('race-1', 'race-2')`)).toBe(2);
  });

  it('quarantines a spooled line it cannot load, with the reason, and loads the rest', async () => {
    const bad = eventLine({ type: 'track', messageId: 'bad-1', anonymousId: 'b', event: 'Bad' }).replace(
      /"received_at":"[^"]+"/,
      '"received_at":"not a time"',
    );
    const file = await writeSegment(dir, ++seq, [bad, '{"kind":"event", broken', eventLine({ type: 'track', messageId: 'good-1', anonymousId: 'b', event: 'Good' })]);
    const r = await w.load({ collectorId: 'q', ...fromSegments([file]), lastSeq: seq, dedupWindowMs: DAY });
    expect(r).toMatchObject({ events: 1, unloadable: 2, failed: 0 });
    const reasons = (await w.query(`SELECT reason FROM failed_events WHERE reason LIKE 'the warehouse could not load%' ORDER BY reason`)).rows.flat();
    expect(reasons).toHaveLength(2);
    expect(reasons[0]).toMatch(/^the warehouse could not load this spooled row: not JSON \(.*position 17/);
    expect(reasons[1]).toBe('the warehouse could not load this spooled row: received_at is missing or not a timestamp');
    // Replaying the same batch does not double the quarantined rows.
    await w.load({ collectorId: 'q', ...fromSegments([file]), lastSeq: seq, dedupWindowMs: DAY });
    expect(await count(`SELECT count(*) FROM failed_events WHERE reason LIKE 'the warehouse could not load%'`)).toBe(2);
  });

  it('drops event_ids months that ended before the dedup window, keeping what lookups need', async () => {
    const fresh = await openClickHouseWarehouse({ url: server.url, database: 'touchline_prune' });
    try {
      await fresh.migrate();
      const at = (receivedAt: string, id: string) => eventLine({ type: 'track', messageId: id, anonymousId: 'p', event: 'Prune' }, { receivedAt });
      const file = await writeSegment(join(dir, 'prune'), 1, [at('2026-01-15T00:00:00.000Z', 'old'), at('2026-02-25T00:00:00.000Z', 'feb'), at('2026-03-20T00:00:00.000Z', 'new')]);
      await fresh.load({ collectorId: 'p', ...fromSegments([file]), lastSeq: 1, dedupWindowMs: 30 * DAY });
      const partitions = await server.sql(`SELECT DISTINCT partition FROM system.parts WHERE database = 'touchline_prune' AND table = 'event_ids' AND active ORDER BY partition`);
      // Newest load 2026-03-20, window 30 days: lookups reach back to 2026-02-18, so January goes.
      expect(partitions.trim().split('\n')).toEqual(['202602', '202603']);
      expect(Number(await server.sql(`SELECT count() FROM touchline_prune.events WHERE event = 'Prune'`))).toBe(3);
    } finally {
      await fresh.close();
    }
  });
  it('writes the same rows as RowBinary as the server parses from TabSeparated, and falls back to TabSeparated on a table changed by hand', async () => {
    const hostile = 'tab\there\nnew \\N back\\slash \u0000 nul \ud800 lone é 😀';
    const lines = [
      eventLine({ type: 'track', messageId: 'fmt-1', anonymousId: 'f', event: hostile, properties: { [hostile]: hostile, n: -(2 ** 40) } }),
      eventLine({ type: 'page', messageId: 'fmt-2', userId: 'u-1', name: '', context: { screen: { width: 390 } } }, { userAgent: 'Googlebot/2.1' }),
      eventLine({ type: 'identify', messageId: 'fmt-3', anonymousId: 'f', userId: 'u-1', traits: { email: 'a@b.test' } }),
    ];
    const file = await writeSegment(join(dir, 'fmt'), 1, lines);
    const loadInto = async (database: string, format: BulkFormat, alter?: string) => {
      const x = await openClickHouseWarehouse({ url: server.url, database, bulkInsert: { format } });
      try {
        await x.migrate();
        if (alter) await server.sql(alter);
        await x.load({ collectorId: 'f', ...fromSegments([file]), lastSeq: 1, dedupWindowMs: DAY });
        return (await x.query('SELECT * FROM events ORDER BY message_id')).rows;
      } finally {
        await x.close();
      }
    };
    const text = await loadInto('touchline_fmt_tsv', BulkFormat.TabSeparated);
    expect(text).toHaveLength(3);
    expect(await loadInto('touchline_fmt_bin', BulkFormat.RowBinary)).toEqual(text);
    // `event` made non-Nullable by hand: RowBinary's NULL flag byte would be read as a length.
    const altered = await loadInto('touchline_fmt_alt', BulkFormat.RowBinary, 'ALTER TABLE touchline_fmt_alt.events_store MODIFY COLUMN event String');
    const columns = (await w.query('SELECT * FROM events LIMIT 0')).columns;
    const event = columns.indexOf('event');
    expect(event).toBeGreaterThan(-1);
    // Rows without an event name get the non-Nullable column's default; every other value is the same.
    const expected = text.map((r) => r.map((v, i) => (i === event && v === null ? '' : v)));
    expect(altered).toEqual(expected);
  });
});
