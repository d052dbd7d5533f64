import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryRefusedError, batchOfRows, type Warehouse } from '../../src/warehouse/warehouse.js';
import { eventLine, writeSegment } from '../support/rows.js';
import { allowedReads, attacks, type Dialect } from './read-only-attacks.js';

export interface ReadOnlyFixture {
  readonly warehouse: Warehouse;
  readonly dialect: Dialect;
  /** Files of the engine's own no query may read (the DuckDB file and WAL; ClickHouse's user_files). */
  readonly ownFiles: readonly string[];
  /** Text those files hold that must never show in an answer or an error. */
  readonly ownMarkers: readonly string[];
  /** ClickHouse: the server's own ports, for url() and remote(). */
  readonly httpPort?: number;
  readonly tcpPort?: number;
  dispose(): Promise<void>;
}

/** What must be the same before and after the attacks (objects an attack could create, the locks). */
const STATE: Record<Dialect, readonly string[]> = {
  duckdb: [
    "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'pwned%'",
    "SELECT count(*) FROM duckdb_databases() WHERE database_name = 'pwned'",
    'SELECT count(*) FROM duckdb_sequences()',
    "SELECT current_setting('enable_external_access')::VARCHAR || '/' || current_setting('lock_configuration')::VARCHAR",
  ],
  clickhouse: ["SELECT count() FROM system.tables WHERE name LIKE 'pwned%'", 'SELECT count() FROM system.databases'],
};

/** A refusal says why: not a read, not available, not allowed, one statement, does not parse… */
const CLEAR = /not (a read|one|available|allowed|accepted)|only read|one statement|cannot|looks like a file|is empty|does not parse|also writes/;

const COUNTS = ['events', 'failed_events', 'identities', 'sources', 'loader_checkpoints'].map((t) => `SELECT count(*) FROM ${t}`);

/**
 * The read-only conformance suite: the same table of attacks against every engine, through
 * `query` and `stream`. Each attempt must be refused with a clear reason, no file may be written,
 * no host or data-dir file content may show in any answer or error, nothing in the warehouse may
 * change, and the loader must keep loading afterwards.
 */
export function describeReadOnlyConformance(engine: string, open: (dataDir: string) => Promise<ReadOnlyFixture>): void {
  describe(`read-only SQL: ${engine}`, () => {
    let dir: string;
    let fx: ReadOnlyFixture;
    let w: Warehouse;
    let markers: string[];
    let files: string[];
    let seq = 0;
    const snapshot = async () => Promise.all([...COUNTS, ...STATE[fx.dialect]].map(async (q) => (await w.query(q)).rows[0]?.[0]));
    const load = (lines: string[]) => w.load(batchOfRows(lines, { collectorId: 'col_ro', lastSeq: ++seq, dedupWindowMs: 86_400_000 }));
    let before: unknown[];
    let listing: string[];

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'touchline-readonly-'));
      const secret = `SECRET-${randomUUID()}`;
      const spooled = `SPOOLED-${randomUUID()}`;
      await writeFile(join(dir, 'secrets.json'), JSON.stringify({ adminToken: secret, writeKey: secret }));
      const segment = await writeSegment(join(dir, 'spool'), 7, [eventLine({ type: 'track', messageId: 'spooled', anonymousId: spooled, event: 'Spooled' })]);
      fx = await open(dir);
      w = fx.warehouse;
      await w.migrate();
      await load([
        eventLine({ type: 'track', messageId: 'ro-1', anonymousId: 'a-1', event: 'Signed Up', properties: { plan: 'pro' } }),
        eventLine({ type: 'identify', messageId: 'ro-2', anonymousId: 'a-1', userId: 'u-1' }),
      ]);
      await w.createSource({ id: 'src_ro', name: 'web', writeKey: 'wk-readonly-0001', createdAt: '2026-03-01T00:00:00.000Z' });
      files = ['/etc/passwd', join(dir, 'secrets.json'), segment, ...fx.ownFiles];
      markers = ['root:x:0', secret, spooled, ...fx.ownMarkers];
      before = await snapshot();
      listing = (await readdir(dir, { recursive: true })).sort();
    });
    afterAll(async () => {
      await fx?.dispose();
      await rm(dir, { recursive: true, force: true });
    });

    it('runs the reads an analyst needs, attack-like strings included', async () => {
      for (const sql of allowedReads(fx.dialect)) {
        await expect(w.query(sql), sql).resolves.toBeDefined();
      }
      const [s] = (await w.query(allowedReads(fx.dialect)[1]!)).rows[0] ?? [];
      expect(s).toMatch(/^DROP TABLE events; -- read_text\('\/etc\/passwd'\)/);
    });

    it('refuses every write, setting, extension, file and network attempt, with a clear reason, through query and stream', async () => {
      const table = attacks(fx.dialect, { canary: join(dir, 'canary-out'), files, ...pick(fx) });
      expect(table.length).toBeGreaterThan(300);
      const failures: string[] = [];
      for (const sql of table) {
        const shown = JSON.stringify(sql);
        for (const [path, run] of [
          ['query', () => w.query(sql)],
          ['stream', async () => {
            for await (const chunk of w.stream(sql)) return chunk;
            return [];
          }],
        ] as const) {
          const outcome = await run().then(
            (answer) => ({ answer }),
            (error: unknown) => ({ error }),
          );
          if ('answer' in outcome) {
            failures.push(`${path} answered: ${shown} → ${JSON.stringify(outcome.answer).slice(0, 200)}`);
            continue;
          }
          const e = outcome.error as Error;
          if (!(e instanceof QueryRefusedError)) failures.push(`${path} failed, not refused: ${shown} → ${e?.name}: ${e?.message}`);
          else if (!CLEAR.test(e.message)) failures.push(`${path} unclear: ${shown} → ${JSON.stringify(e.message)}`);
          const leaked = markers.filter((m) => String(e?.message).includes(m));
          if (leaked.length > 0) failures.push(`${path} leaked ${leaked.join(', ')}: ${shown}`);
        }
      }
      expect(failures).toEqual([]);
    }, 240_000);

    it('wrote no file, changed nothing in the warehouse, and left its settings as they were', async () => {
      expect(existsSync(join(dir, 'canary-out'))).toBe(false);
      expect((await readdir(dir, { recursive: true })).sort()).toEqual(listing);
      expect(await snapshot()).toEqual(before);
    });

    it('keeps loading afterwards', async () => {
      const r = await load([eventLine({ type: 'track', messageId: 'ro-after', anonymousId: 'a-2', event: 'After' })]);
      expect(r).toMatchObject({ events: 1, unloadable: 0 });
      expect((await w.query(`SELECT event FROM events WHERE message_id = 'ro-after'`)).rows).toEqual([['After']]);
      expect(await w.checkpoint('col_ro')).toBe(seq);
    });
  });
}

function pick(fx: ReadOnlyFixture): { httpPort?: number; tcpPort?: number } {
  return { ...(fx.httpPort === undefined ? {} : { httpPort: fx.httpPort }), ...(fx.tcpPort === undefined ? {} : { tcpPort: fx.tcpPort }) };
}
