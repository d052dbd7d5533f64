import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import { ColumnType, EVENT_COLUMNS, FAILED_EVENT_COLUMNS, IDENTITY_COLUMNS } from '../../src/warehouse/schema.js';
import { QueryRefusedError, WarehouseError, type InsertColumn, type Warehouse } from '../../src/warehouse/warehouse.js';
import { eventLine, failedLine, fromSegments, writeSegment } from '../support/rows.js';

export interface WarehouseFixture {
  readonly warehouse: Warehouse;
  /** Drops everything the fixture created. */
  dispose(): Promise<void>;
}

const HOUR = 3600_000;

/** A spool line with some values replaced, as an older collector or an import could have written it. */
const spooled = (line: string, values: Record<string, unknown>) => JSON.stringify({ ...(JSON.parse(line) as object), ...values });

/**
 * The one warehouse conformance suite: every engine runs exactly these tests. Queries here use
 * only SQL both engines accept.
 */
export function describeWarehouseConformance(engine: string, open: () => Promise<WarehouseFixture>): void {
  describe(`warehouse conformance: ${engine}`, () => {
    let fx: WarehouseFixture;
    let w: Warehouse;
    let dir: string;
    let seq = 0;
    const rows = async (sql: string) => {
      const r = await w.query(sql);
      return r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i]])));
    };
    const load = async (lines: string[], dedupWindowMs = 24 * HOUR, collectorId = 'col_a') => {
      seq++;
      const file = await writeSegment(dir, seq, lines);
      return w.load({ collectorId, ...fromSegments([file]), lastSeq: seq, dedupWindowMs });
    };

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'touchline-conformance-'));
      fx = await open();
      w = fx.warehouse;
      await w.migrate();
    });
    afterAll(async () => {
      await fx?.dispose();
      await rm(dir, { recursive: true, force: true });
    });

    it('migrates idempotently and reports its schema version', async () => {
      expect(await w.migrate()).toEqual([]);
      expect(await w.schemaVersion()).toBeGreaterThanOrEqual(1);
    });

    it('has every documented column', async () => {
      for (const [table, cols] of [['events', EVENT_COLUMNS], ['failed_events', FAILED_EVENT_COLUMNS], ['identities', IDENTITY_COLUMNS]] as const) {
        const r = await w.query(`SELECT ${cols.map((c) => `"${c.name}"`).join(', ')} FROM ${table} LIMIT 0`);
        expect(r.columns).toEqual(cols.map((c) => c.name));
      }
    });

    it('loads events with typed columns, quarantined rows and identity links', async () => {
      const r = await load([
        eventLine({
          type: 'page', messageId: 'p-1', anonymousId: 'anon-1', name: 'Home', timestamp: '2026-03-01T11:59:58.000Z',
          context: { page: { url: 'https://www.shop.test/?utm_source=google&utm_medium=cpc&gclid=Cj0-KQ_x', referrer: 'https://www.google.com/search' } },
          properties: { title: 'Home "quoted" \\ back', n: 3 },
        }),
        eventLine({ type: 'identify', messageId: 'i-1', anonymousId: 'anon-1', userId: 'user-1', traits: { email: 'a@b.test' } }),
        eventLine({ type: 'alias', messageId: 'al-1', previousId: 'old-1', userId: 'user-1' }),
        failedLine({ type: 'track', anonymousId: 'x' }, '`event` is required on track calls'),
      ]);
      expect(r).toEqual({ events: 3, duplicates: 0, failed: 1, unloadable: 0 });
      const [page] = await rows(`SELECT message_id, type, name, utm_source, utm_medium, gclid, click_id_type, referrer_domain, browser, is_bot, "timestamp", received_at FROM events WHERE message_id = 'p-1'`);
      expect(page).toEqual({
        message_id: 'p-1', type: 'page', name: 'Home', utm_source: 'google', utm_medium: 'cpc', gclid: 'Cj0-KQ_x',
        click_id_type: 'gclid', referrer_domain: 'google.com', browser: 'Safari', is_bot: false,
        timestamp: '2026-03-01T11:59:58.000Z', received_at: '2026-03-01T12:00:00.000Z',
      });
      expect(await rows(`SELECT reason, batch_index FROM failed_events`)).toEqual([{ reason: '`event` is required on track calls', batch_index: 0 }]);
      const links = await rows(`SELECT kind, anonymous_id, user_id, previous_id FROM identities ORDER BY kind`);
      expect(links).toEqual([
        { kind: 'alias', anonymous_id: null, user_id: 'user-1', previous_id: 'old-1' },
        { kind: 'identify', anonymous_id: 'anon-1', user_id: 'user-1', previous_id: null },
      ]);
      expect(await w.checkpoint('col_a')).toBe(seq);
    });

    it('keeps hostile strings byte for byte', async () => {
      const nasty = `'; DROP TABLE events; -- <script>alert(1)</script> \\ "q" \u00e9\u{1F600}\n\ttab`;
      await load([eventLine({ type: 'track', messageId: 'h-1', anonymousId: nasty, event: nasty })]);
      expect(await rows(`SELECT anonymous_id, event FROM events WHERE message_id = 'h-1'`)).toEqual([{ anonymous_id: nasty, event: nasty }]);
    });

    it('keeps hostile values byte for byte in ids, event names, property keys and values, JSON text as spooled', async () => {
      // NUL, quotes, backslashes, a lone surrogate (the collector stores U+FFFD for it),
      // U+2028/2029, control characters, SQL, a JSON-escape look-alike; and 10 KB strings.
      const nasty = `a\u0000b '"\\ \\\\ \u2028\u2029 \ud800 \u001f\t\n\r é😀 \\u0000 '); DROP TABLE events; --`;
      const stored = nasty.replace('\ud800', '\ufffd');
      const big = `${'ß'.repeat(5 * 1024)}end`;
      const lib = { library: { name: 'hostile', version: '1' } };
      const props = { [nasty]: nasty, nested: { [nasty]: [nasty, 1e21, -0, 0.1, 12345678901234567890] } };
      const lines = [
        eventLine({ type: 'track', messageId: `hm-${nasty}`, anonymousId: nasty, userId: nasty, event: nasty, properties: props, context: lib }),
        eventLine({ type: 'identify', messageId: 'hm-traits', anonymousId: nasty, userId: nasty, traits: { [nasty]: nasty }, context: lib }),
        eventLine({ type: 'alias', messageId: 'hm-alias', previousId: nasty, userId: `${nasty}-2`, context: lib }),
        // The collector refuses ids and names past 512 characters; the loader stores what is spooled.
        spooled(eventLine({ type: 'track', messageId: 'hm-big-id', anonymousId: 'b', event: 'Big Id', context: lib }), { anonymous_id: big }),
        spooled(eventLine({ type: 'track', messageId: 'hm-big-event', anonymousId: 'b', event: 'E', context: lib }), { event: big }),
        eventLine({ type: 'track', messageId: 'hm-big-key', anonymousId: 'b', event: 'Big Key', properties: { [big]: 1 }, context: lib }),
        eventLine({ type: 'track', messageId: 'hm-big-value', anonymousId: 'b', event: 'Big Value', properties: { v: big }, context: lib }),
      ];
      expect(await load(lines)).toMatchObject({ events: lines.length, unloadable: 0 });
      const got = await rows(`SELECT message_id, anonymous_id, user_id, previous_id, event, properties, traits FROM events WHERE library_name = 'hostile' ORDER BY message_id`);
      const want = lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .map((l) => ({
          message_id: l['message_id'], anonymous_id: l['anonymous_id'] ?? null, user_id: l['user_id'] ?? null, previous_id: l['previous_id'] ?? null,
          event: l['event'] ?? null,
          // JSON columns hold the text the spool line holds, byte for byte.
          properties: l['properties'] === undefined ? null : JSON.stringify(l['properties']),
          traits: l['traits'] === undefined ? null : JSON.stringify(l['traits']),
        }))
        .sort((a, b) => (String(a.message_id) < String(b.message_id) ? -1 : 1));
      expect(got).toEqual(want);
      expect(got.find((r) => r['message_id'] === `hm-${stored}`)).toMatchObject({ anonymous_id: stored, user_id: stored, event: stored });
      expect(JSON.parse(String(got.find((r) => r['message_id'] === `hm-${stored}`)?.['properties']))).toEqual(JSON.parse(JSON.stringify(props).replaceAll('\\ud800', '\\ufffd')));
      expect(String(got.find((r) => r['message_id'] === 'hm-big-event')?.['event'])).toBe(big);
      const links = await rows(`SELECT kind, anonymous_id, user_id, previous_id FROM identities WHERE kind = 'alias' AND user_id = concat(previous_id, '-2')`);
      expect(links).toEqual([{ kind: 'alias', anonymous_id: null, user_id: `${stored}-2`, previous_id: stored }]);
    });

    it('deduplicates by source and message id, inside a batch and across batches in the window', async () => {
      const e = (id: string, src = 'src_test', at = '2026-03-01T12:00:00.000Z') =>
        eventLine({ type: 'track', messageId: id, anonymousId: 'd', event: 'Dup' }, { sourceId: src, receivedAt: at });
      const first = await load([e('dup-1'), e('dup-1'), e('dup-2'), e('dup-1', 'src_other')]);
      expect(first).toMatchObject({ events: 3, duplicates: 1 });
      const again = await load([e('dup-1', 'src_test', '2026-03-01T13:00:00.000Z'), e('dup-3')]);
      expect(again).toMatchObject({ events: 1, duplicates: 1 });
      const outside = await load([e('dup-2', 'src_test', '2026-03-03T12:00:00.000Z')], 24 * HOUR);
      expect(outside).toMatchObject({ events: 1, duplicates: 0 });
      expect(await rows(`SELECT message_id, source_id, count(*) AS n FROM events WHERE event = 'Dup' GROUP BY message_id, source_id ORDER BY message_id, source_id`)).toEqual([
        { message_id: 'dup-1', source_id: 'src_other', n: 1 },
        { message_id: 'dup-1', source_id: 'src_test', n: 1 },
        { message_id: 'dup-2', source_id: 'src_test', n: 2 },
        { message_id: 'dup-3', source_id: 'src_test', n: 1 },
      ]);
    });

    it('shows a batch replayed after a crash (loaded, checkpoint not yet recorded) once', async () => {
      const lines = [
        eventLine({ type: 'track', messageId: 'r-1', anonymousId: 'r', event: 'Replay' }),
        eventLine({ type: 'track', messageId: 'r-2', anonymousId: 'r', event: 'Replay' }),
      ];
      const first = await load(lines);
      expect(first).toMatchObject({ events: 2, duplicates: 0 });
      // The same segment again, as the spool replays it when the checkpoint was lost.
      const file = await writeSegment(dir, seq, lines);
      const again = await w.load({ collectorId: 'col_a', ...fromSegments([file]), lastSeq: seq, dedupWindowMs: 24 * HOUR });
      expect(again).toMatchObject({ events: 0, duplicates: 2 });
      expect(await rows(`SELECT count(*) AS n FROM events WHERE event = 'Replay'`)).toEqual([{ n: 2 }]);
    });

    it('stores damaged spool bytes as quarantine rows beside the valid rows around them', async () => {
      const lines = ['d-1', 'd-2', 'd-3'].map((id) => eventLine({ type: 'track', messageId: id, anonymousId: 'd', event: 'Damaged' }));
      seq++;
      const file = await writeSegment(dir, seq, lines);
      const buf = await readFile(file);
      const second = buf.indexOf('{"kind":"event","message_id":"d-2"') - 20;
      buf[second + 40] = 0; // a NUL inside the second record
      await writeFile(file, buf);
      const end = buf.indexOf('{"kind":"event","message_id":"d-3"') - 20;
      const batch = { collectorId: 'col_damage', ...fromSegments([file]), lastSeq: seq, dedupWindowMs: 24 * HOUR };
      expect(await w.load(batch)).toMatchObject({ events: 2, failed: 1, unloadable: 0 });
      expect(await rows(`SELECT message_id FROM events WHERE event = 'Damaged' ORDER BY message_id`)).toEqual([{ message_id: 'd-1' }, { message_id: 'd-3' }]);
      const name = file.slice(file.lastIndexOf('/') + 1);
      expect(await rows(`SELECT reason, raw, source_id FROM failed_events WHERE reason LIKE 'spool damage in segment ${name} %'`)).toEqual([
        {
          reason: `spool damage in segment ${name} at byte offset ${second} (${end - second} bytes): checksum mismatch; raw holds the damaged bytes in base64`,
          raw: buf.subarray(second, end).toString('base64'),
          source_id: null,
        },
      ]);
    });

    it('keeps milliseconds, booleans and JSON text', async () => {
      await load([
        eventLine(
          { type: 'track', messageId: 'ms-1', anonymousId: 'm', event: 'Ms', timestamp: '2026-03-01T11:59:58.123Z', properties: { a: [1, 'x'] }, context: { gpc: true } },
          { receivedAt: '2026-03-01T12:00:00.456Z' },
        ),
      ]);
      const [r] = await rows(`SELECT "timestamp", received_at, gpc, is_bot, properties FROM events WHERE message_id = 'ms-1'`);
      expect(r).toMatchObject({ timestamp: '2026-03-01T11:59:58.123Z', received_at: '2026-03-01T12:00:00.456Z', gpc: true, is_bot: false });
      expect(JSON.parse(String(r?.['properties']))).toEqual({ a: [1, 'x'] });
      expect(await rows(`SELECT count(*) AS n FROM events WHERE received_at >= '2026-03-01T12:00:00.400Z' AND message_id = 'ms-1'`)).toEqual([{ n: 1 }]);
    });

    it('quarantines a spooled row it cannot load, keeps the rest, and moves on', async () => {
      const good = eventLine({ type: 'track', messageId: 'ul-good', anonymousId: 'u', event: 'Unloadable Neighbour' });
      const badTime = JSON.stringify({ ...JSON.parse(eventLine({ type: 'track', messageId: 'ul-time', anonymousId: 'u', event: 'E' })), timestamp: 'not a time' });
      const badText = JSON.stringify({ ...JSON.parse(eventLine({ type: 'track', messageId: 'ul-bool', anonymousId: 'u', event: 'E' })), is_bot: 'maybe' });
      const r = await load([good, badTime, badText]);
      expect(r).toMatchObject({ events: 1, unloadable: 2 });
      expect(await rows(`SELECT message_id FROM events WHERE message_id LIKE 'ul-%'`)).toEqual([{ message_id: 'ul-good' }]);
      const q = await rows(`SELECT raw FROM failed_events WHERE reason LIKE 'the warehouse could not load this spooled row%' ORDER BY raw`);
      expect(q.map((x) => x['raw'])).toEqual([badTime, badText].sort());
      expect(await w.checkpoint('col_a')).toBe(seq);
    });

    it('keeps a checkpoint per collector', async () => {
      await load([eventLine({ type: 'track', messageId: 'c-1', anonymousId: 'c', event: 'C' })], 24 * HOUR, 'col_b');
      expect(await w.checkpoint('col_b')).toBe(seq);
      expect(await w.checkpoint('col_never')).toBeNull();
    });

    it('refuses writes and several statements on the read-only path', async () => {
      for (const sql of ['DELETE FROM events', 'DROP TABLE events', 'CREATE TABLE x (a INT)', 'INSERT INTO sources VALUES (1)', 'SELECT 1; SELECT 2']) {
        await expect(w.query(sql)).rejects.toBeInstanceOf(QueryRefusedError);
      }
      await expect(w.query('SELECT nope FROM nowhere')).rejects.toThrow();
      expect((await w.query('SELECT count(*) AS n FROM events')).rows[0]?.[0]).toBeGreaterThan(0);
    });

    it('limits rows and streams large results in chunks', async () => {
      const r = await w.query('SELECT message_id FROM events ORDER BY message_id', { maxRows: 2 });
      expect(r.rows).toHaveLength(2);
      let n = 0;
      for await (const chunk of w.stream('SELECT message_id FROM events')) n += chunk.length;
      const total = Number((await w.query('SELECT count(*) FROM events')).rows[0]?.[0]);
      expect(n).toBe(total);
    });

    it('binds parameters: values come back as given and never become SQL', async () => {
      const hostile = `'); DROP TABLE events; -- \\' "x" $p1 \u0000 \u2028 /* */`;
      const before = await rows('SELECT count(*) AS n FROM events');
      const r = await w.query('SELECT $s AS s, $n AS n, $neg AS neg, $f AS f, $z AS z', {
        params: { s: hostile, n: 9007199254740991, neg: -3, f: 1.5, z: null },
      });
      expect(Object.fromEntries(r.columns.map((c, i) => [c, r.rows[0]?.[i]]))).toEqual({ s: hostile, n: 9007199254740991, neg: -3, f: 1.5, z: null });
      expect(await rows('SELECT count(*) AS n FROM events')).toEqual(before);
      // A placeholder inside a string literal, a quoted name or a comment is text, not a parameter.
      const t = await w.query(`SELECT '$s' AS "$s", $s AS v -- $nope`, { params: { s: 'x' } });
      expect(t.columns).toEqual(['$s', 'v']);
      expect(t.rows).toEqual([['$s', 'x']]);
      // The same binding on the streaming path.
      const streamed: unknown[] = [];
      for await (const chunk of w.stream(`SELECT event FROM events WHERE anonymous_id = $who`, { params: { who: hostile } })) streamed.push(...chunk);
      expect(streamed).toEqual([]);
    });

    it('refuses a placeholder without a value and a value without a placeholder', async () => {
      await expect(w.query('SELECT $a AS a, $b AS b', { params: { a: 1 } })).rejects.toThrow(/\$b not given/);
      await expect(w.query('SELECT $a AS a', { params: { a: 1, extra: 2 } })).rejects.toThrow(/\$extra given but not used/);
      await expect(w.query('SELECT $a AS a', { params: { 'bad name': 1 } })).rejects.toThrow(/bad name/);
    });

    it('keeps the SQL and parameters of a failed statement, and never prints a value', async () => {
      const secret = 'secret-value-4711@example.com';
      const sql = w.engine === 'duckdb' ? 'SELECT CAST($v AS INTEGER) AS n' : 'SELECT toInt32($v) AS n';
      const err = await w.query(sql, { params: { v: secret } }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(WarehouseError);
      const e = err as WarehouseError;
      expect(e.sql).toBe(sql);
      expect(e.params).toEqual({ v: secret });
      for (const shown of [e.message, String(e), inspect(e), JSON.stringify(e)]) expect(shown).not.toContain(secret);
      expect(inspect(e)).toContain('<string, 29 chars>');
    });

    it('bulk-inserts typed rows, hostile text included, and reads them back exactly', async () => {
      const cols: InsertColumn[] = [
        { name: 'run_id', type: ColumnType.String },
        { name: 'sync_name', type: ColumnType.String },
        { name: 'pk', type: ColumnType.String },
        { name: 'attempt', type: ColumnType.Int },
        { name: 'reason', type: ColumnType.String },
        { name: 'request', type: ColumnType.Json },
        { name: 'recorded_at', type: ColumnType.Timestamp },
        { name: 'result_id', type: ColumnType.String },
      ];
      const nasty = [`it's "x" \\ \u0000 \n ; --`, '\u2028\u2029', '$1', 'ü\u{1F600}', ''];
      const values = nasty.map((v, i) => ['bulk-run', v, `pk-${i}`, i, v || null, JSON.stringify({ v }), Date.parse('2026-03-01T12:00:00.123Z') + i, `r-${i}`]);
      expect(await w.insertRows('sync_row_results', cols, values)).toBe(nasty.length);
      const back = await w.query(`SELECT sync_name, attempt, reason, request, recorded_at FROM sync_row_results WHERE run_id = $run ORDER BY attempt`, { params: { run: 'bulk-run' } });
      expect(back.rows.map(([s, a, r, q, t]) => [s, a, r, JSON.parse(String(q)), t])).toEqual(
        nasty.map((v, i) => [v, i, v || null, { v }, new Date(Date.parse('2026-03-01T12:00:00.123Z') + i).toISOString()]),
      );
      await expect(w.insertRows('sync_row_results', cols, [['x', 'y']])).rejects.toThrow(/row 0: 2 values for 8 columns/);
      await expect(w.insertRows('sync_row_results', cols, [['x', 'y', 'z', 'not a number', null, null, null, 'r']])).rejects.toThrow(/row 0, column attempt: an integer expected/);
    });

    it('runs a transaction whose statements see each other, values bound', async () => {
      const seen = await w.transaction(async (tx) => {
        await tx.insertRows('sync_row_results', [{ name: 'run_id', type: ColumnType.String }, { name: 'pk', type: ColumnType.String }, { name: 'result_id', type: ColumnType.String }], [
          ['tx-run', "o'k", 'tx-1'],
        ]);
        return tx.run('SELECT pk FROM sync_row_results WHERE run_id = $run', { run: 'tx-run' });
      });
      expect(seen.rows).toEqual([["o'k"]]);
    });

    it('creates, lists and revokes sources, and counts per source', async () => {
      await w.createSource({ id: 'src_test', name: 'web', writeKey: 'wk-web-123456', createdAt: '2026-03-01T00:00:00.000Z' });
      await w.createSource({ id: 'src_other', name: 'server', writeKey: 'wk-srv-123456', createdAt: '2026-03-01T00:00:01.000Z' });
      const revoked = await w.revokeSource('server', '2026-03-02T00:00:00.000Z');
      expect(revoked).toMatchObject({ id: 'src_other', revokedAt: '2026-03-02T00:00:00.000Z' });
      expect((await w.listSources()).map((s) => [s.name, s.revokedAt !== null])).toEqual([['web', false], ['server', true]]);
      const stats = await w.sourceStats();
      const web = stats.find((s) => s.sourceId === 'src_test');
      expect(web?.events).toBeGreaterThan(3);
      expect(web?.failedEvents).toBe(1);
    });
  });
}
