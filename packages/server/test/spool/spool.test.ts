import { appendFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readSegmentRows } from '../../src/spool/segment-reader.js';
import { segmentName } from '../../src/spool/segments.js';
import { nodeSpoolIO, openSpool, SpoolFullError, SpoolWriteError, type SpoolIO } from '../../src/spool/spool.js';
import { manualClock } from '../support/manual-clock.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'touchline-spool-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const row = (i: number) => JSON.stringify({ kind: 'event', message_id: `m-${i}` });
/** The rows of a segment file, read as the loader reads them. */
const linesOf = async (path: string) => {
  const rows: string[] = [];
  for await (const chunk of readSegmentRows(path)) rows.push(...chunk);
  return rows;
};
// Bytes a record adds to its row: the 20-byte header (docs/spool.md).
const FRAME = 20;

describe('spool', () => {
  it('commits concurrent appends together: many rows, few fsyncs', async () => {
    const { spool } = await openSpool({ dir, rollIntervalMs: 60_000 }, null);
    await Promise.all(Array.from({ length: 500 }, (_, i) => spool.append([row(i)])));
    const s = spool.stats();
    expect(s.rowsAppended).toBe(500);
    expect(s.commits).toBeLessThan(50);
    await spool.roll();
    const [seg] = spool.sealed();
    expect(await linesOf(seg!.path)).toHaveLength(500);
    await spool.close();
  });

  it('seals by size and by age, and releases loaded segments', async () => {
    // 35- and 36-byte rows, framed: a segment passes segmentBytes with its sixth row and is sealed.
    // Time moves only when the test says: a segment is sealed by age at 400 ms, not a moment before.
    const clock = manualClock();
    const { spool } = await openSpool({ dir, segmentBytes: 5 * (36 + FRAME) + 1, rollIntervalMs: 400, clock }, null);
    let sealedEvents = 0;
    const third = new Promise<void>((done) => spool.onSealed(() => ++sealedEvents === 3 && done()));
    for (let i = 0; i < 13; i++) await spool.append([row(i)]);
    await new Promise((r) => setImmediate(r));
    expect(spool.sealed().map((f) => f.bytes)).toEqual([6 * (35 + FRAME), 4 * (35 + FRAME) + 2 * (36 + FRAME)]);
    await spool.append([row(100)]);
    clock.advance(399);
    await new Promise((r) => setImmediate(r));
    expect(spool.sealed()).toHaveLength(2);
    clock.advance(1);
    await third;
    const all = spool.sealed();
    const total = (await Promise.all(all.map((f) => linesOf(f.path)))).flat();
    expect(total).toHaveLength(14);
    expect(sealedEvents).toBe(all.length);
    await spool.release(all[all.length - 2]!.seq);
    expect(spool.sealed()).toHaveLength(1);
    expect((await readdir(dir)).filter((n) => n.endsWith('.seg'))).toHaveLength(1);
    await spool.close();
  });

  it('a failed seal is logged, counted in the stats, retried on the next tick, and never overtaken', async () => {
    const clock = manualClock();
    const logged: { message: string; fields: Record<string, unknown> }[] = [];
    let diskFailing = true;
    // The file system refuses closes (EIO on a failing disk) until it recovers; the bytes are on disk already.
    const io: SpoolIO = {
      ...nodeSpoolIO,
      async openAppend(path) {
        const f = await nodeSpoolIO.openAppend(path);
        return {
          ...f,
          close: async () => {
            if (diskFailing) throw Object.assign(new Error('EIO: i/o error, close'), { code: 'EIO' });
            await f.close();
          },
        };
      },
    };
    const { spool } = await openSpool({ dir, rollIntervalMs: 60_000, io, clock, log: (message, fields) => logged.push({ message, fields }) }, null);
    await spool.append([row(1)]);
    await spool.roll();
    expect(spool.sealed()).toEqual([]);
    expect(spool.stats()).toMatchObject({ unsealedSegments: 1, unsealedBytes: 35 + FRAME, sealFailures: 1, lastSealError: 'EIO: i/o error, close', bytes: 35 + FRAME });
    expect(logged).toEqual([{ message: expect.stringMatching(/could not seal a spool segment/), fields: { segment: 1, waiting: 1, error: 'EIO: i/o error, close' } }]);
    // A later segment waits behind the failed one: the loader must never see 2 before 1.
    await spool.append([row(2)]);
    await spool.roll();
    expect(spool.sealed()).toEqual([]);
    expect(spool.stats()).toMatchObject({ unsealedSegments: 2, sealFailures: 3 }); // 1 again at the roll's start and behind 2
    diskFailing = false;
    const both = new Promise<void>((done) => spool.onSealed(() => spool.sealed().length === 2 && done()));
    clock.advance(30_000); // the spool's next tick retries
    await both;
    expect(spool.sealed().map((f) => [f.seq, f.bytes])).toEqual([[1, 35 + FRAME], [2, 35 + FRAME]]);
    expect(await linesOf(spool.sealed()[0]!.path)).toEqual([row(1)]);
    expect(spool.stats()).toMatchObject({ unsealedSegments: 0, unsealedBytes: 0, sealFailures: 3, lastSealError: null });
    await spool.close();
  });

  it('counts unsealed segments against spool.maxBytes: they are still on disk', async () => {
    const io: SpoolIO = {
      ...nodeSpoolIO,
      async openAppend(path) {
        const f = await nodeSpoolIO.openAppend(path);
        return { ...f, close: () => Promise.reject(new Error('EIO: i/o error, close')) };
      },
    };
    const { spool } = await openSpool({ dir, rollIntervalMs: 60_000, io, clock: manualClock(), maxBytes: 2 * (35 + FRAME) }, null);
    await spool.append([row(1)]);
    await spool.roll();
    await spool.append([row(2)]);
    await expect(spool.append([row(3)])).rejects.toBeInstanceOf(SpoolFullError);
    expect(spool.stats()).toMatchObject({ unsealedSegments: 1, bytes: 2 * (35 + FRAME) });
    await spool.close();
  });

  it('recovers from a crash: a torn tail is cut, complete rows are kept, loaded segments are dropped', async () => {
    await writeFile(join(dir, segmentName(3, '.seg')), row(1) + '\n');
    await writeFile(join(dir, segmentName(4, '.seg')), row(2) + '\n');
    const open = join(dir, segmentName(5, '.open'));
    await writeFile(open, row(3) + '\n' + row(4) + '\n' + '{"kind":"event","mess');
    const { spool, recoveredDropped } = await openSpool({ dir }, 3);
    expect(recoveredDropped).toBe(1);
    expect(spool.sealed().map((f) => f.seq)).toEqual([4, 5]);
    expect(await linesOf(spool.sealed()[1]!.path)).toEqual([row(3), row(4)]);
    await spool.append([row(6)]);
    await spool.roll();
    expect(spool.sealed().map((f) => f.seq)).toEqual([4, 5, 6]);
    await spool.close();
  });

  it('cuts garbage left in an interrupted segment at the first unreadable line', async () => {
    const open = join(dir, segmentName(1, '.open'));
    await writeFile(open, row(1) + '\n');
    await appendFile(open, Buffer.alloc(64, 0));
    await appendFile(open, '\n' + row(2) + '\n');
    const { spool, recoveredDropped } = await openSpool({ dir }, null);
    expect(recoveredDropped).toBe(2);
    expect(await linesOf(spool.sealed()[0]!.path)).toEqual([row(1)]);
    await spool.close();
  });

  it('refuses appends beyond its size cap', async () => {
    const { spool } = await openSpool({ dir, maxBytes: 100, rollIntervalMs: 60_000 }, null);
    await spool.append([row(1)]);
    await expect(spool.append([row(2), row(3), row(4)])).rejects.toBeInstanceOf(SpoolFullError);
    await spool.close();
  });

  it('acknowledges nothing of a group the disk refuses (ENOSPC), and cuts what reached the file', async () => {
    let full = false;
    const io: SpoolIO = {
      syncDir: nodeSpoolIO.syncDir,
      async openAppend(path) {
        const f = await nodeSpoolIO.openAppend(path);
        return {
          ...f,
          async write(buf, pos) {
            if (full) {
              await f.write(buf.subarray(0, 7), pos); // a partial write, then the disk is full
              throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
            }
            return f.write(buf, pos);
          },
        };
      },
    };
    const { spool } = await openSpool({ dir, io, rollIntervalMs: 60_000 }, null);
    await spool.append([row(1)]);
    full = true;
    const err = await spool.append([row(2)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpoolWriteError);
    expect((err as SpoolWriteError).code).toBe('ENOSPC');
    full = false;
    await spool.append([row(3)]);
    await spool.roll();
    expect(await linesOf(spool.sealed()[0]!.path)).toEqual([row(1), row(3)]);
    await spool.close();
  });
});
