import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readSegmentRows } from '../../src/spool/segment-reader.js';
import { openSpool, SpoolWriteError, type Spool } from '../../src/spool/spool.js';
import { acksWithoutCoveringSync, orderedSpoolIO, type IoEvent, type OrderedIO } from '../support/ordered-spool-io.js';

/**
 * Overlapped group commits (docs/spool.md): the next group is written while the previous
 * fdatasync runs, and no group is acknowledged before an fdatasync that began after its write.
 * Real files and real fdatasyncs throughout; the test only holds back each fdatasync's answer to
 * decide the order.
 */
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'touchline-overlap-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const id = (i: number) => `m-${i}`;
const row = (i: number) => JSON.stringify({ kind: 'event', message_id: id(i) });
const FRAMED_ROW = 35 + 20; // row(0..9) and its record header (docs/spool.md)

/** Appends rows `ids` as one request, recording its acknowledgement or refusal in the event order. */
function track(o: OrderedIO, spool: Spool, ids: readonly number[]): Promise<unknown> {
  return spool.append(ids.map(row)).then(
    () => ids.forEach((i) => o.record({ kind: 'ack', id: id(i) })),
    (err: unknown) => {
      ids.forEach((i) => o.record({ kind: 'refused', id: id(i) }));
      return err;
    },
  );
}

const at = (o: OrderedIO, pred: (e: IoEvent) => boolean) => o.events.findIndex(pred);
const written = (i: number) => (e: IoEvent) => e.kind === 'write' && e.ids.includes(id(i));
const syncEnd = (n: number) => (e: IoEvent) => e.kind === 'sync-end' && e.sync === n;
const acked = (o: OrderedIO) => o.events.flatMap((e) => (e.kind === 'ack' ? [e.id] : []));
const refused = (o: OrderedIO) => o.events.flatMap((e) => (e.kind === 'refused' ? [e.id] : []));
/** Lets every callback already due run (no time passes). */
const settle = () => new Promise((r) => setImmediate(r));

async function rowsOf(spool: Spool): Promise<string[][]> {
  const out: string[][] = [];
  for (const seg of spool.sealed()) {
    const rows: string[] = [];
    for await (const chunk of readSegmentRows(seg.path)) rows.push(...chunk);
    out.push(rows);
  }
  return out;
}

describe('overlapped group commits', () => {
  it('writes the next group while the previous fdatasync runs, and acknowledges each only after its own', async () => {
    const o = orderedSpoolIO();
    const { spool } = await openSpool({ dir, io: o.io, rollIntervalMs: 60_000 }, null);
    const first = track(o, spool, [0]);
    const sync0 = await o.sync(0);
    const second = [track(o, spool, [1]), track(o, spool, [2])];
    await o.until(written(1)); // on disk (page cache) while fdatasync 0 is still unanswered
    const sync1 = await o.sync(1); // its own fdatasync began after that write, without waiting for 0
    const third = track(o, spool, [3]); // both slots busy: waits
    sync1.pass();
    await o.until(syncEnd(1));
    await settle();
    expect(acked(o)).toEqual([]); // the later group is synced, but never acknowledged before the earlier one
    sync0.pass();
    await Promise.all([first, ...second]);
    expect(acked(o)).toEqual([id(0), id(1), id(2)]);
    expect(at(o, written(3))).toBeGreaterThan(at(o, syncEnd(0))); // written only once a slot was free
    (await o.sync(2)).pass();
    await third;
    expect(acksWithoutCoveringSync(o.events)).toEqual([]);
    expect(spool.stats().commits).toBe(3);
    await spool.roll();
    expect(await rowsOf(spool)).toEqual([[row(0), row(1), row(2), row(3)]]);
    await spool.close();
  });

  it('with one commit slot (the earlier serial path, the bench baseline) writes nothing while an fdatasync runs', async () => {
    const o = orderedSpoolIO();
    const { spool } = await openSpool({ dir, io: o.io, rollIntervalMs: 60_000, commitSlots: 1 }, null);
    const first = track(o, spool, [0]);
    const sync0 = await o.sync(0);
    const second = track(o, spool, [1]);
    await settle();
    sync0.pass();
    await first;
    (await o.sync(1)).pass();
    await second;
    expect(at(o, written(1))).toBeGreaterThan(at(o, syncEnd(0)));
    expect(acksWithoutCoveringSync(o.events)).toEqual([]);
    await spool.close();
  });

  it('a failed fdatasync refuses its group and every group written after it, and loses nothing acknowledged', async () => {
    const o = orderedSpoolIO();
    const { spool } = await openSpool({ dir, io: o.io, rollIntervalMs: 60_000 }, null);
    o.hold = false;
    await track(o, spool, [0]); // fdatasync 0, acknowledged before the failure
    o.hold = true;
    const failing = track(o, spool, [1]);
    const sync1 = await o.sync(1);
    const writtenAfter = track(o, spool, [2]);
    await o.until(written(2));
    const sync2 = await o.sync(2);
    const notYetWritten = track(o, spool, [3]); // both slots busy: still in memory when 1 fails
    sync2.pass(); // the later group's own fdatasync succeeds, but its bytes follow bytes the disk lost
    await o.until(syncEnd(2));
    o.hold = false;
    sync1.fail();
    const errors = await Promise.all([failing, writtenAfter]);
    for (const err of errors) expect(err).toBeInstanceOf(SpoolWriteError);
    expect((errors[0] as SpoolWriteError).code).toBe('EIO');
    expect(await notYetWritten).toBeUndefined(); // written after the cut, synced, acknowledged
    expect(refused(o)).toEqual([id(1), id(2)]);
    expect(acked(o)).toEqual([id(0), id(3)]);
    expect(acksWithoutCoveringSync(o.events)).toEqual([]);
    await spool.roll();
    expect(await rowsOf(spool)).toEqual([[row(0), row(3)]]); // the refused rows were cut from the file
    await spool.close();
  });

  it('seals a full segment only after its groups are acknowledged; the next group starts the next segment', async () => {
    const o = orderedSpoolIO();
    const { spool } = await openSpool({ dir, io: o.io, rollIntervalMs: 60_000, segmentBytes: FRAMED_ROW }, null);
    const first = track(o, spool, [0]); // fills segment 1 alone
    const sync0 = await o.sync(0);
    const second = track(o, spool, [1]);
    await settle();
    sync0.pass();
    await first;
    (await o.sync(1)).pass();
    await second;
    const files = o.events.flatMap((e) => (e.kind === 'write' ? [e.file] : []));
    expect(new Set(files).size).toBe(2);
    const closed = at(o, (e) => e.kind === 'close');
    expect(closed).toBeGreaterThan(at(o, syncEnd(0)));
    expect(at(o, written(1))).toBeGreaterThan(closed);
    expect(spool.sealed().map((f) => basename(f.path).replace('.seg', '.open'))).toEqual([files[0]]);
    expect(acksWithoutCoveringSync(o.events)).toEqual([]);
    await spool.close();
  });

  it('a roll asked for while a group is in flight seals after it, and later appends go to the next segment', async () => {
    const o = orderedSpoolIO();
    const { spool } = await openSpool({ dir, io: o.io, rollIntervalMs: 60_000 }, null);
    const first = track(o, spool, [0]);
    const sync0 = await o.sync(0);
    const rolled = spool.roll();
    const second = track(o, spool, [1]);
    await settle();
    expect(spool.sealed()).toEqual([]);
    sync0.pass();
    await first;
    (await o.sync(1)).pass();
    await Promise.all([rolled, second]);
    await spool.roll();
    expect(await rowsOf(spool)).toEqual([[row(0)], [row(1)]]);
    expect(acksWithoutCoveringSync(o.events)).toEqual([]);
    await spool.close();
  });

  it('under load from 32 concurrent senders, with segments rotating, every row is stored once and acknowledged only after a covering fdatasync', async () => {
    const o = orderedSpoolIO();
    o.hold = false;
    const { spool } = await openSpool({ dir, io: o.io, rollIntervalMs: 60_000, segmentBytes: 40 * FRAMED_ROW }, null);
    const sender = async (c: number) => {
      for (let k = 0; k < 15; k++) await track(o, spool, [c * 100 + k]);
    };
    await Promise.all(Array.from({ length: 32 }, (_, c) => sender(c)));
    await spool.roll();
    expect(acked(o)).toHaveLength(32 * 15);
    expect(acksWithoutCoveringSync(o.events)).toEqual([]);
    const stored = (await rowsOf(spool)).flat();
    expect(stored.slice().sort()).toEqual(Array.from({ length: 32 }, (_, c) => Array.from({ length: 15 }, (_, k) => row(c * 100 + k))).flat().sort());
    expect(spool.sealed().length).toBeGreaterThan(2);
    expect(spool.stats().commits).toBeLessThan(32 * 15);
    await spool.close();
  });
});
