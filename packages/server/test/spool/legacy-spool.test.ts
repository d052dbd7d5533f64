import { appendFile, copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/config.js';
import { startTouchline, type Touchline } from '../../src/server.js';

/**
 * Upgrading a data dir whose spool an earlier version wrote (one JSON row per line): the fixture
 * segments are that version's own output (fixtures/ndjson-spool/README.md says how they were made).
 */
const FIXTURE = join(import.meta.dirname, 'fixtures/ndjson-spool');
const EXPECTED = [...Array.from({ length: 41 }, (_, i) => `legacy-${i + 11}`), 'legacy-identify-1'].sort();

let dataDir: string;
let running: Touchline | null = null;
afterEach(async () => {
  await running?.close();
  running = null;
  await rm(dataDir, { recursive: true, force: true });
});

async function dataDirWithFixture(): Promise<string> {
  dataDir = await mkdtemp(join(tmpdir(), 'touchline-upgrade-'));
  await mkdir(join(dataDir, 'spool'));
  for (const f of await readdir(FIXTURE)) if (/^\d{16}\.(seg|open)$/.test(f)) await copyFile(join(FIXTURE, f), join(dataDir, 'spool', f));
  return join(dataDir, 'spool');
}

async function start(logs: string[] = []): Promise<Touchline> {
  const config = resolveConfig({ dataDir, port: 0, host: '127.0.0.1' }, {}, {});
  running = await startTouchline(config, { listen: false, log: (msg, fields) => logs.push(`${msg} ${JSON.stringify(fields ?? {})}`) });
  return running;
}

async function rows(t: Touchline, sql: string): Promise<unknown[][]> {
  return (await t.warehouse.query(sql)).rows.map((r) => [...r]);
}

describe('a spool written before framed records', () => {
  it('loads after an upgrade: sealed segments, the open one cut at its torn tail, each event once', async () => {
    const spoolDir = await dataDirWithFixture();
    // The kill left a row half written at the end of the open segment (never acknowledged).
    await appendFile(join(spoolDir, '0000000000000004.open'), '{"kind":"event","message_id":"legacy-52","source_id":"src_6cb25');
    const logs: string[] = [];
    const t = await start(logs);
    expect(logs.some((l) => l.startsWith('cut unacknowledged partial rows') && l.includes('"rows":1'))).toBe(true);
    await t.loader.flush();
    const loaded = await rows(t, `SELECT message_id, count(*) FROM events GROUP BY 1 ORDER BY 1`);
    expect(loaded).toEqual(EXPECTED.map((id) => [id, 1]));
    expect(await rows(t, `SELECT message_id, reason FROM failed_events`)).toEqual([['legacy-bad-1', expect.stringMatching(/anonymousId|userId/)]]);
    expect(t.spool.stats()).toMatchObject({ damagedRecords: 0, damagedBytes: 0 });
    expect(t.loader.stats().lastError).toBeNull();

    // New rows after the upgrade are framed records, in a new segment.
    const res = await t.app.inject({
      method: 'POST', url: '/v1/track', headers: { authorization: 'Basic ' + Buffer.from(t.writeKey + ':').toString('base64') },
      payload: { messageId: 'after-upgrade', anonymousId: 'a', event: 'Upgraded' },
    });
    expect(res.statusCode).toBe(200);
    await t.spool.roll();
    const [seg] = t.spool.sealed();
    expect(seg!.seq).toBe(5);
    expect([...(await readFile(seg!.path)).subarray(0, 4)]).toEqual([0xff, 0x54, 0x4c, 0x53]);
    await t.loader.flush();
    expect(await rows(t, `SELECT count(*) FROM events WHERE message_id = 'after-upgrade'`)).toEqual([[1]]);
  });

  it('sets aside a line damaged on disk (a NUL, broken UTF-8) and loads the rest, without stalling', async () => {
    const spoolDir = await dataDirWithFixture();
    const file = join(spoolDir, '0000000000000002.seg');
    const buf = await readFile(file);
    const lineAt = (id: string) => {
      const start = buf.indexOf(`{"kind":"event","message_id":"${id}"`);
      return [start, buf.indexOf(10, start)] as const;
    };
    const [nulAt, nulEnd] = lineAt('legacy-15');
    const [utfAt, utfEnd] = lineAt('legacy-20');
    buf[nulAt + 60] = 0;
    buf[utfAt + 70] = 0xc3; // a lead byte followed by ASCII: not UTF-8
    await writeFile(file, buf);
    const logs: string[] = [];
    const t = await start(logs);
    await t.loader.flush();
    expect(t.loader.stats().lastError).toBeNull();
    const loaded = (await rows(t, `SELECT message_id FROM events ORDER BY 1`)).flat();
    expect(loaded).toEqual(EXPECTED.filter((id) => id !== 'legacy-15' && id !== 'legacy-20'));
    const damaged = await rows(t, `SELECT reason, raw, source_id FROM failed_events WHERE reason LIKE 'spool damage%' ORDER BY reason`);
    expect(damaged).toEqual([
      [`spool damage in segment 0000000000000002.seg at byte offset ${nulAt} (${nulEnd - nulAt} bytes): not a row as the earlier line format wrote them; raw holds the damaged bytes in base64`, buf.subarray(nulAt, nulEnd).toString('base64'), null],
      [`spool damage in segment 0000000000000002.seg at byte offset ${utfAt} (${utfEnd - utfAt} bytes): not a row as the earlier line format wrote them; raw holds the damaged bytes in base64`, buf.subarray(utfAt, utfEnd).toString('base64'), null],
    ]);
    expect(t.spool.stats()).toMatchObject({ damagedRecords: 2, damagedBytes: nulEnd - nulAt + (utfEnd - utfAt) });
    expect(logs.some((l) => l.startsWith('damaged spool bytes were set aside'))).toBe(true);
  });
});
