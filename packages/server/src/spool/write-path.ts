import { join } from 'node:path';
import type { Clock } from '../clock/clock.js';
import { encodeRecords, type RecordFields } from './record-format.js';
import { SegmentFormat } from './segment-scan.js';
import type { SegmentSealer } from './segment-sealer.js';
import { OPEN_SUFFIX, segmentName, type SegmentFile } from './segments.js';
import { SpoolFullError, SpoolWriteError, type AppendFile, type SpoolIO } from './spool-io.js';

/**
 * The spool's write path: steps over one small state. Appends queue; a drain writes them as
 * groups, one write and one fdatasync each, with up to `commitSlots` groups in flight (the next
 * group is written while the previous one syncs); each group is acknowledged, in order, only after
 * an fdatasync that began after its write; segments are sealed between groups, in order.
 */
interface Pending {
  readonly buf: Buffer;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

interface Active {
  readonly seq: number;
  readonly file: AppendFile;
  /** Bytes fdatasynced and acknowledged: where a failed commit cuts the file back to. */
  bytes: number;
  /** Bytes written (page cache), synced or not: where the next group is written. */
  written: number;
  readonly openedAt: number;
}

/** A group written to the active segment whose fdatasync (begun after the write) is in flight. */
interface InFlight {
  readonly group: Pending[];
  /** `Active.written` after this group: `Active.bytes` once its fdatasync succeeds. */
  readonly end: number;
  /** Settles with the fdatasync's error, or null; never rejects. */
  readonly synced: Promise<unknown>;
}

/** What the write path reads: the spool's settings and capabilities. */
export interface Writer {
  readonly dir: string;
  readonly io: SpoolIO;
  readonly clock: Clock;
  readonly maxBytes: number;
  readonly segmentBytes: number;
  readonly rollIntervalMs: number;
  readonly recordFormat: SegmentFormat;
  readonly sealer: SegmentSealer;
  readonly commitSlots: number;
}

/** The spool's one small state, shared by the steps of the write path below. */
export interface SpoolState {
  nextSeq: number;
  /** The segment being written, if any. */
  active: Active | null;
  /** Groups written and being fdatasynced, oldest first (at most `Writer.commitSlots`). */
  inFlight: InFlight[];
  /** Appends waiting for the next group commit, and their bytes. */
  pending: Pending[];
  pendingBytes: number;
  /** A drain is scheduled or running (one at a time). */
  writing: boolean;
  /** Set while the drain waits on an fdatasync with a slot free: an append wakes it to write. */
  wake: (() => void) | null;
  rollRequested: boolean;
  closed: boolean;
  rowsAppended: number;
  commits: number;
  /** Sealed segments, oldest first, and their bytes: what the loader may take. */
  readonly sealed: SegmentFile[];
  sealedBytes: number;
  readonly damaged: { records: number; bytes: number };
  readonly listeners: (() => void)[];
  /** Waiting for the current drain to end (roll()). */
  readonly idle: (() => void)[];
}

export const onDiskBytes = (w: Writer, s: SpoolState) => s.sealedBytes + w.sealer.stats().unsealedBytes + (s.active?.written ?? 0);

async function ensureActive(w: Writer, s: SpoolState): Promise<Active> {
  if (s.active) return s.active;
  const seq = s.nextSeq++;
  const file = await w.io.openAppend(join(w.dir, segmentName(seq, OPEN_SUFFIX)));
  await w.io.syncDir(w.dir); // the new file's directory entry must survive a crash before we ack into it
  s.active = { seq, file, bytes: 0, written: 0, openedAt: w.clock.now() };
  return s.active;
}

/** Hands the active segment to the sealer, which never throws (a failure waits for a retry). */
async function seal(w: Writer, s: SpoolState): Promise<void> {
  s.rollRequested = false;
  const a = s.active;
  if (!a || a.bytes === 0) return;
  s.active = null;
  await w.sealer.seal({ seq: a.seq, bytes: a.bytes, close: () => a.file.close() });
}

/**
 * Writes a group after those in flight and begins its fdatasync without waiting for it: the next
 * group is written while this one syncs (overlapped group commit). An fdatasync that begins after
 * the write returned covers the write, which is all the acknowledgement needs.
 */
async function startGroup(w: Writer, s: SpoolState, group: Pending[]): Promise<void> {
  const buf = group.length === 1 ? group[0]!.buf : Buffer.concat(group.map((p) => p.buf));
  s.pendingBytes -= buf.length;
  let a: Active | null = null;
  let start = 0;
  try {
    a = await ensureActive(w, s);
    start = a.written;
    a.written += buf.length; // counted at once so a concurrent append sees it against maxBytes
    await a.file.write(buf, start);
  } catch (err) {
    // Nothing of this group is acknowledged; cut what part of it reached the file (the groups in
    // flight end before `start` and are untouched). If the cut fails too, the bytes are
    // unacknowledged garbage that recovery's checksums drop.
    if (a) {
      a.written = start;
      await a.file.truncate(start).catch(() => undefined);
    }
    const e = new SpoolWriteError(err);
    for (const p of group) p.reject(e);
    return;
  }
  const synced = a.file.datasync().then(() => null, (err: unknown) => err);
  s.inFlight.push({ group, end: start + buf.length, synced });
}

/**
 * Waits for the oldest group's fdatasync and acknowledges it. Groups are settled in order, so an
 * acknowledgement never overtakes an earlier group's failure. When it failed, every group in
 * flight fails with it: their bytes lie after the failed group's in the file, and after a failed
 * fdatasync the kernel may have dropped dirty pages that a later fdatasync then reports clean, so
 * none of them is known durable. The file is cut back to the last acknowledged byte.
 */
async function settleOldest(s: SpoolState): Promise<void> {
  const oldest = s.inFlight[0]!;
  const err = await oldest.synced;
  const a = s.active!;
  if (err === null) {
    s.inFlight.shift();
    a.bytes = oldest.end;
    s.commits++;
    for (const p of oldest.group) p.resolve();
    return;
  }
  const failed = s.inFlight.splice(0);
  await Promise.all(failed.map((f) => f.synced)); // no fdatasync still running when the file is cut
  a.written = a.bytes;
  await a.file.truncate(a.bytes).catch(() => undefined);
  const e = new SpoolWriteError(err);
  for (const f of failed) for (const p of f.group) p.reject(e);
}

const needsSeal = (w: Writer, s: SpoolState) => s.rollRequested || (s.active !== null && s.active.written >= w.segmentBytes);

/**
 * Waits for the oldest group's fdatasync or for a new append, whichever comes first: true when
 * the fdatasync settled. Without the wake-up, appends arriving during an fdatasync would wait for
 * it to end before being written, which is the serial path again.
 */
function syncedOrAppended(s: SpoolState): Promise<boolean> {
  const arrived = new Promise<boolean>((resolve) => {
    s.wake = () => resolve(false);
  });
  return Promise.race([s.inFlight[0]!.synced.then(() => true), arrived]).finally(() => {
    s.wake = null;
  });
}

/**
 * The write path's loop. Up to `commitSlots` groups are in flight; a new group is written as soon
 * as a slot is free, so requests that arrive during an fdatasync reach the page cache at once and
 * their own fdatasync begins right after. A segment is sealed only when nothing is in flight on
 * it, so a sealed segment holds acknowledged groups only.
 */
async function drain(w: Writer, s: SpoolState): Promise<void> {
  try {
    await w.sealer.retry(); // segments whose seal failed go first, in order
    while (s.pending.length > 0 || s.rollRequested || s.inFlight.length > 0) {
      const open = !needsSeal(w, s) && s.inFlight.length < w.commitSlots;
      if (open && s.pending.length > 0) {
        const group = s.pending;
        s.pending = [];
        await startGroup(w, s, group);
      } else if (s.inFlight.length === 0) {
        await seal(w, s); // only a seal is left to do
      } else if (!open || (await syncedOrAppended(s))) {
        await settleOldest(s);
      }
    }
  } finally {
    s.writing = false;
    for (const f of s.idle.splice(0)) f();
  }
}

function kick(w: Writer, s: SpoolState): void {
  if (s.writing) return;
  s.writing = true;
  setImmediate(() => void drain(w, s));
}

export function append(w: Writer, s: SpoolState, lines: readonly string[], fields: RecordFields | undefined): Promise<void> {
  if (s.closed) return Promise.reject(new SpoolWriteError(new Error('the spool is closed')));
  if (lines.length === 0) return Promise.resolve();
  let buf: Buffer;
  try {
    buf = w.recordFormat === SegmentFormat.Lines ? Buffer.from(lines.join('\n') + '\n', 'utf8') : encodeRecords(lines, fields);
  } catch (err) {
    return Promise.reject(err as Error);
  }
  const onDisk = onDiskBytes(w, s) + s.pendingBytes;
  if (onDisk + buf.length > w.maxBytes) {
    return Promise.reject(new SpoolFullError(`the spool holds ${onDisk} bytes, its cap is ${w.maxBytes} (spool.maxBytes)`));
  }
  s.pendingBytes += buf.length;
  s.rowsAppended += lines.length;
  return new Promise<void>((resolve, reject) => {
    s.pending.push({ buf, resolve, reject });
    s.wake?.();
    kick(w, s);
  });
}

export function roll(w: Writer, s: SpoolState): Promise<void> {
  s.rollRequested = true;
  return new Promise<void>((resolve) => {
    s.idle.push(resolve);
    kick(w, s);
  });
}

/** The timer's tick: seal a segment that is old enough, retry a failed seal. */
export function onTick(w: Writer, s: SpoolState): void {
  if (s.active && s.active.bytes > 0 && w.clock.now() - s.active.openedAt >= w.rollIntervalMs) s.rollRequested = true;
  if (s.rollRequested || w.sealer.stats().unsealedSegments > 0) kick(w, s);
}
