import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { exportParquet } from '../../src/export/parquet-export.js';
import { clickhouseSkipReason, startClickHouseServer, type ClickHouseTestServer } from '../support/clickhouse-server.js';
import { startHarness, type Harness } from '../support/harness.js';
import { sampleEvents, sendSample } from '../support/sample-traffic.js';

/** Reads the exported files back with DuckDB, as a lake engine would. */
async function readBack(dir: string) {
  const duck = await DuckDBInstance.create(':memory:');
  const c = await duck.connect();
  try {
    await c.run(`SET TimeZone = 'UTC'`);
    const glob = join(dir, 'events', '*', '*.parquet');
    const days = await c.runAndReadAll(
      `SELECT dt::VARCHAR AS dt, count(*) AS n FROM read_parquet('${glob}', hive_partitioning = true) GROUP BY dt ORDER BY dt`,
    );
    const types = await c.runAndReadAll(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${glob}'))`);
    const sample = await c.runAndReadAll(
      `SELECT message_id, strftime("timestamp", '%Y-%m-%dT%H:%M:%S.%g') AS ts, utm_source, gclid, gpc, is_bot, json_extract_string(properties, '$.plan') AS plan
       FROM read_parquet('${glob}') WHERE message_id = 's-1-7'`,
    );
    return {
      days: days.getRowObjectsJS().map((r) => [String(r['dt']), Number(r['n'])]),
      types: Object.fromEntries(types.getRows().map(([n, t]) => [String(n), String(t)])),
      sample: sample.getRowObjectsJS(),
    };
  } finally {
    c.closeSync();
    duck.closeSync();
  }
}

const EXPECTED_DAYS = [
  ['2026-03-01', 41],
  ['2026-03-02', 42],
  ['2026-03-03', 41],
];

function checkExport(r: Awaited<ReturnType<typeof readBack>>): void {
  expect(r.days).toEqual(EXPECTED_DAYS);
  expect(r.types).toMatchObject({ timestamp: 'TIMESTAMP WITH TIME ZONE', is_bot: 'BOOLEAN', message_id: 'VARCHAR' });
  expect(r.sample).toEqual([{ message_id: 's-1-7', ts: '2026-03-02T08:07:00.861', utm_source: 'src3', gclid: 'G7', gpc: false, is_bot: false, plan: 'pro' }]);
}

describe('export --format parquet', () => {
  let out: string;
  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'touchline-export-test-'));
  });
  afterAll(async () => {
    await rm(out, { recursive: true, force: true });
  });

  it('writes one Parquet file per day from DuckDB, typed, readable back', async () => {
    const h: Harness = await startHarness({ writeKey: 'wk-export-0123456' });
    try {
      await sendSample(h);
      const dir = join(out, 'duck');
      const progress: number[] = [];
      const files = await exportParquet(h.warehouse, {
        table: 'events',
        since: '2026-03-01',
        until: '2026-03-04',
        outDir: dir,
        onProgress: (done) => progress.push(done),
      });
      expect(files.map((f) => [f.day, f.rows])).toEqual(EXPECTED_DAYS);
      expect(progress).toEqual([41, 83, 124]);
      checkExport(await readBack(dir));
    } finally {
      await h.dispose();
    }
  });

  it('keeps hostile text byte for byte through the export', async () => {
    const nasty = `a\u0000b '"\\ \u2028\u2029 \u001f\t\n é😀 \\u0000 '); DROP TABLE events; --`;
    const big = `${'ß'.repeat(5 * 1024)}end`;
    const h: Harness = await startHarness({ writeKey: 'wk-export-0123456' });
    try {
      await sendSample(h, [
        { type: 'track', messageId: 'x-1', anonymousId: nasty, event: nasty, timestamp: '2026-03-01T10:00:00.000Z', properties: { [nasty]: nasty, big } },
      ]);
      const dir = join(out, 'hostile');
      const files = await exportParquet(h.warehouse, { table: 'events', since: '2026-03-01', until: '2026-03-02', outDir: dir });
      expect(files.map((f) => f.rows)).toEqual([1]);
      const duck = await DuckDBInstance.create(':memory:');
      const c = await duck.connect();
      try {
        const r = await c.runAndReadAll(`SELECT anonymous_id, event, properties FROM read_parquet('${files[0]!.path}')`);
        const [[anonymousId, event, properties]] = r.getRowsJS() as [[string, string, string]];
        expect({ anonymousId, event }).toEqual({ anonymousId: nasty, event: nasty });
        expect(properties).toBe(JSON.stringify({ [nasty]: nasty, big }));
      } finally {
        c.closeSync();
        duck.closeSync();
      }
    } finally {
      await h.dispose();
    }
  });

  describe.skipIf(clickhouseSkipReason() !== null)('from ClickHouse', () => {
    let server: ClickHouseTestServer;
    beforeAll(async () => {
      server = await startClickHouseServer();
    });
    afterAll(async () => {
      await server?.dispose();
    });

    it('exports the same files from ClickHouse through the CLI (no FORMAT Parquet needed)', async () => {
      const h = await startHarness({ writeKey: 'wk-export-0123456', warehouse: { engine: 'clickhouse', clickhouse: { url: server.url } } });
      try {
        await sendSample(h, sampleEvents());
      } finally {
        await h.dispose();
      }
      const dir = join(out, 'ch');
      const lines: string[] = [];
      const code = await main(
        ['export', '--format', 'parquet', '--since', '2026-03-01', '--until', '2026-03-04', '--out', dir, '--warehouse', 'clickhouse', '--clickhouse-url', server.url, '--data-dir', out, '--no-progress'],
        (s) => lines.push(s),
      );
      expect(code).toBe(0);
      expect(lines[0]).toMatch(/^exported 124 events rows into 3 Parquet file\(s\)/);
      expect(await readdir(join(dir, 'events'))).toEqual(['dt=2026-03-01', 'dt=2026-03-02', 'dt=2026-03-03']);
      checkExport(await readBack(dir));
    });
  });
});
