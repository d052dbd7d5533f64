/**
 * `touchline import` of compressed exports, as Segment's and RudderStack's archives come: gzip
 * recognised by its first bytes whatever the file is called, concatenated gzip members, gzipped
 * CSV, and a damaged archive (what was readable kept, the error saying where it broke).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig, type Config } from '../../src/config/config.js';
import { importFile } from '../../src/cli/commands/import.js';
import { startTouchline } from '../../src/server.js';

let dir: string;
let config: Config;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'touchline-import-gz-'));
  config = resolveConfig({ dataDir: join(dir, 'data') }, {}, {});
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Rows in the warehouse, read once the import's process is gone (as a later `touchline sql` would). */
async function sql(query: string): Promise<Record<string, unknown>[]> {
  const t = await startTouchline(config, { listen: false, log: () => undefined });
  try {
    await t.loader.flush();
    const r = await t.warehouse.query(query);
    return r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i]])));
  } finally {
    await t.close();
  }
}

const ndjson = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) =>
    JSON.stringify({ type: 'track', userId: `${prefix}-u`, event: 'Order Completed', messageId: `${prefix}-${i}`, originalTimestamp: '2025-03-01T10:00:00.000Z', properties: { i } }),
  ).join('\n') + '\n';

describe('touchline import of gzipped exports', () => {
  it('reads gzip whatever the name says: .gz, .json.gz, a misleading .ndjson, no extension', async () => {
    for (const [name, prefix] of [['1700000000000.a1b2c3.gz', 'gz'], ['export.json.gz', 'jsongz'], ['events.ndjson', 'liar'], ['archive', 'noext']] as const) {
      const bad = JSON.stringify({ type: 'track', userId: 'u', messageId: `${prefix}-bad` }); // no event name
      await writeFile(join(dir, name), gzipSync(ndjson(prefix, 3) + bad + '\n'));
      const s = await importFile(config, join(dir, name), { progress: false });
      expect(s, name).toEqual({
        lines: 4, accepted: 3, duplicates: 0, quarantined: 1, lateEvents: 0,
        reasons: [{ reason: '`event` is required on track calls', count: 1 }],
        badRows: [{ line: 4, reason: '`event` is required on track calls' }],
      });
    }
    expect(await sql(`select split_part(message_id, '-', 1) as file, count(*)::int as n from events group by 1 order by 1`)).toEqual([
      { file: 'gz', n: 3 },
      { file: 'jsongz', n: 3 },
      { file: 'liar', n: 3 },
      { file: 'noext', n: 3 },
    ]);
    expect(await sql(`select (properties->>'i')::int as i, "timestamp" from events where message_id = 'gz-2'`)).toEqual([{ i: 2, timestamp: '2025-03-01T10:00:00.000Z' }]);
  });

  it('reads every member of a multi-member gzip file, across many batches', async () => {
    const file = join(dir, 'members.gz');
    await writeFile(file, Buffer.concat([gzipSync(ndjson('m1', 700)), gzipSync(ndjson('m2', 600))]));
    expect(await importFile(config, file, { progress: false, batchSize: 250 })).toMatchObject({ lines: 1300, accepted: 1300, quarantined: 0 });
    expect(await sql(`select count(*)::int as n from events where message_id like 'm1-%' or message_id like 'm2-%'`)).toEqual([{ n: 1300 }]);
  });

  it('reads a gzipped CSV (.csv.gz) as CSV', async () => {
    const file = join(dir, 'crm.csv.gz');
    await writeFile(file, gzipSync('type,userId,event,messageId,properties.value\ntrack,u9,Opportunity Created,csvgz-1,5000\n'));
    expect(await importFile(config, file, { progress: false })).toMatchObject({ lines: 1, accepted: 1, quarantined: 0 });
    expect(await sql(`select event, properties->>'value' as value from events where message_id = 'csvgz-1'`)).toEqual([{ event: 'Opportunity Created', value: '5000' }]);

    // cut short, it fails (rather than waiting for the rest forever)
    const rows = Array.from({ length: 3000 }, (_, i) => `track,u9,Opportunity Created,csvcut-${i},${i}`).join('\n');
    const whole = gzipSync(`type,userId,event,messageId,properties.value\n${rows}\n`);
    await writeFile(file, whole.subarray(0, whole.length - 20));
    await expect(importFile(config, file, { progress: false })).rejects.toThrow(/crm\.csv\.gz: the gzip data is damaged or cut short \(unexpected end of file\)/);
  });

  it('a damaged archive: the events before the damage are imported, and the error names the file and what was kept', async () => {
    const file = join(dir, 'cut-short.gz');
    const whole = gzipSync(ndjson('cut', 2000));
    await writeFile(file, whole.subarray(0, Math.floor(whole.length / 2))); // a download that stopped half way
    const err = await importFile(config, file, { progress: false, batchSize: 100 }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(Error);
    const m = /^(.*): the gzip data is damaged or cut short \((.+)\) after (\d+) events; those were imported \((\d+) accepted, 0 duplicates, (\d+) quarantined\)/.exec(err!.message);
    expect(m, err!.message).not.toBeNull();
    expect(m![1]).toBe(file);
    expect(m![2]).toBe('unexpected end of file');
    const [lines, accepted, quarantined] = [Number(m![3]), Number(m![4]), Number(m![5])];
    expect(lines).toBeGreaterThan(0);
    expect(lines).toBeLessThan(2000);
    // every whole line read was imported; at most the last (cut mid-line) is quarantined as not JSON
    expect(accepted + quarantined).toBe(lines);
    expect(quarantined).toBeLessThanOrEqual(1);
    expect(await sql(`select count(*)::int as n from events where message_id like 'cut-%'`)).toEqual([{ n: accepted }]);

    // as the error says: importing the whole file afterwards stores each event once
    await writeFile(file, whole);
    expect(await importFile(config, file, { progress: false })).toMatchObject({ lines: 2000, quarantined: 0 });
    expect(await sql(`select count(*)::int as n, count(distinct message_id)::int as ids from events where message_id like 'cut-%'`)).toEqual([{ n: 2000, ids: 2000 }]);
  });
});
