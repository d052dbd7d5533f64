import { appendFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readSegmentRows } from '../../src/spool/segment-reader.js';
import { segmentName } from '../../src/spool/segments.js';
import { nodeSpoolIO, openSpool, SpoolFullError, SpoolWriteError, type SpoolIO } from '../../src/spool/spool.js';

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
    // The age limit is long enough that a busy machine's fsyncs do not seal a segment early.
    const { spool } = await openSpool({ dir, segmentBytes: 5 * (36 + FRAME) + 1, rollIntervalMs: 400 }, null);
    let sealedEvents = 0;
    spool.onSealed(() => sealedEvents++);
    for (let i = 0; i < 13; i++) await spool.append([row(i)]);
    await new Promise((r) => setImmediate(r));
    expect(spool.sealed().map((f) => f.bytes)).toEqual([6 * (35 + FRAME), 4 * (35 + FRAME) + 2 * (36 + FRAME)]);
    await spool.append([row(100)]);
    for (const deadline = Date.now() + 5000; spool.sealed().length < 3 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
    const all = spool.sealed();
    const total = (await Promise.all(all.map((f) => linesOf(f.path)))).flat();
    expect(total).toHaveLength(14);
    expect(sealedEvents).toBe(all.length);
    await spool.release(all[all.length - 2]!.seq);
    expect(spool.sealed()).toHaveLength(1);
    expect((await readdir(dir)).filter((n) => n.endsWith('.seg'))).toHaveLength(1);
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
