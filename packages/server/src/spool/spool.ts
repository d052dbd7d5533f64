import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock, type Clock } from '../clock/clock.js';
import type { SpoolDamage } from './damage.js';
import { encodeRecords, type RecordFields } from './record-format.js';
import { SegmentFormat } from './segment-scan.js';
import { repairSegment } from './segment-repair.js';
import { createSegmentSealer, type SealerStats, type SegmentSealer } from './segment-sealer.js';
import { OPEN_SUFFIX, listSegments, removeFile, sealFile, segmentName, type SegmentFile } from './segments.js';

/**
 * The durable spool: an append-only, segmented log on local disk. `append` resolves only after
 * the rows are fsynced, so the collector acknowledges (200) exactly what it can never lose.
 * Appends that arrive while a write is in flight are committed together by the next write and
 * one fsync (group commit), which is what lets a single disk keep up with thousands of requests.
 * Each row is a checksummed record (record-format.ts), so damage to one costs no other.
 */
export interface SpoolOptions {
  readonly dir: string;
  /** Unloaded bytes allowed on disk; beyond it appends fail with {@link SpoolFullError}. @defaultValue 1 GiB */
  readonly maxBytes?: number;
  /** A segment is sealed when it reaches this size. @defaultValue 16 MiB */
  readonly segmentBytes?: number;
  /** A non-empty segment is sealed after this long, so the loader sees rows quickly. @defaultValue 200 ms */
  readonly rollIntervalMs?: number;
  /** File system operations, replaceable to inject faults (disk full) in tests. */
  readonly io?: SpoolIO;
  /**
   * How rows are written. `ndjson` is the earlier, unchecked line format: only the ingest bench
   * uses it, as the baseline that prices framing. Both formats are read. @defaultValue `framed`
   */
  readonly recordFormat?: SegmentFormat;
  /** Ages segments and runs the roll timer. @defaultValue the system clock */
  readonly clock?: Clock;
  /** Where a failed seal is reported. @defaultValue nowhere (the stats still count it) */
  readonly log?: (message: string, fields: Record<string, unknown>) => void;
}

/** The file operations the spool needs. */
export interface SpoolIO {
  openAppend(path: string): Promise<AppendFile>;
  syncDir(dir: string): Promise<void>;
}

export interface AppendFile {
  write(buf: Buffer, position: number): Promise<number>;
  datasync(): Promise<void>;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

export const nodeSpoolIO: SpoolIO = {
  async openAppend(path) {
    const fh: FileHandle = await open(path, 'a+');
    return {
      async write(buf, position) {
        let done = 0;
        while (done < buf.length) {
          const { bytesWritten } = await fh.write(buf, done, buf.length - done, position + done);
          done += bytesWritten;
        }
        return done;
      },
      datasync: () => fh.datasync(),
      truncate: (len) => fh.truncate(len),
      close: () => fh.close(),
    };
  },
  async syncDir(dir) {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  },
};

/** The spool is at its size cap: the sender should retry later (503 + Retry-After). */
export class SpoolFullError extends Error {
  override readonly name = 'SpoolFullError';
}

/** The disk refused the write (e.g. ENOSPC): nothing of the group was acknowledged. */
export class SpoolWriteError extends Error {
  override readonly name = 'SpoolWriteError';
  readonly code: string | undefined;
  constructor(cause: unknown) {
    super(`spool write failed: ${(cause as Error).message}`, { cause });
    this.code = (cause as NodeJS.ErrnoException).code;
  }
}

interface Pending {
  readonly buf: Buffer;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

interface Active {
  readonly seq: number;
  readonly file: AppendFile;
  bytes: number;
  readonly openedAt: number;
}

export interface SpoolStats extends SealerStats {
  /** Sealed segments waiting for the loader. */
  readonly sealedSegments: number;
  /** Bytes on disk not yet loaded (sealed + active). */
  readonly bytes: number;
  readonly maxBytes: number;
  /** Rows appended since start. */
  readonly rowsAppended: number;
  /** Group commits (fsyncs) since start. */
  readonly commits: number;
  /** Damaged stretches of segments the loader set aside in failed_events since start (one row each). */
  readonly damagedRecords: number;
  /** Bytes in those stretches. */
  readonly damagedBytes: number;
}

export interface Spool {
  /**
   * Appends rows (one JSON object each, no newlines), each in its own checksummed record carrying
   * `fields`; resolves when they are durable.
   */
  append(lines: readonly string[], fields?: RecordFields): Promise<void>;
  /** Sealed segments, oldest first. */
  sealed(): readonly SegmentFile[];
  /** Seals the active segment now (if it has rows). */
  roll(): Promise<void>;
  /** Deletes sealed segments up to and including `seq`, after the loader committed them. */
  release(seq: number): Promise<void>;
  /** Called whenever a segment is sealed. */
  onSealed(listener: () => void): void;
  /** The loader reports damaged stretches it set aside, once their batch is committed (for `stats`). */
  countDamage(found: readonly SpoolDamage[]): void;
  stats(): SpoolStats;
  close(): Promise<void>;
}

export interface OpenSpoolResult {
  readonly spool: Spool;
  /** Rows cut from interrupted segments during recovery (never acknowledged). */
  readonly recoveredDropped: number;
  /** Damaged bytes found in interrupted segments and kept for the loader to set aside. */
  readonly recoveredDamagedBytes: number;
}

/** What a restart finds: sealed segments to load, the next sequence number, what repair cut. */
interface Recovered {
  readonly sealed: SegmentFile[];
  readonly nextSeq: number;
  readonly recoveredDropped: number;
  readonly recoveredDamagedBytes: number;
}

/**
 * Repairs and seals the segments a crash left open, and deletes the sealed ones at or below
 * `checkpoint` (already in the warehouse).
 */
async function recoverSegments(dir: string, checkpoint: number | null, io: SpoolIO): Promise<Recovered> {
  let recoveredDropped = 0;
  let recoveredDamagedBytes = 0;
  const found = await listSegments(dir);
  for (const f of found.open) {
    const { bytes, dropped, damagedBytes } = await repairSegment(f.path);
    recoveredDropped += dropped;
    recoveredDamagedBytes += damagedBytes;
    if (bytes === 0) await removeFile(f.path);
    else found.sealed.push({ seq: f.seq, path: await sealFile(dir, f.seq), bytes });
  }
  found.sealed.sort((a, b) => a.seq - b.seq);
  const sealed: SegmentFile[] = [];
  for (const f of found.sealed) {
    if (checkpoint !== null && f.seq <= checkpoint) await removeFile(f.path);
    else sealed.push(f);
  }
  await io.syncDir(dir);
  const nextSeq = Math.max(checkpoint ?? 0, ...sealed.map((f) => f.seq)) + 1;
  return { sealed, nextSeq, recoveredDropped, recoveredDamagedBytes };
}

/** What the write path reads: the spool's settings and capabilities. */
interface Writer {
  readonly dir: string;
  readonly io: SpoolIO;
  readonly clock: Clock;
  readonly maxBytes: number;
  readonly segmentBytes: number;
  readonly rollIntervalMs: number;
  readonly recordFormat: SegmentFormat;
  readonly sealer: SegmentSealer;
}

/** The spool's one small state, shared by the steps of the write path below. */
interface SpoolState {
  nextSeq: number;
  /** The segment being written, if any. */
  active: Active | null;
  /** Appends waiting for the next group commit, and their bytes. */
  pending: Pending[];
  pendingBytes: number;
  /** A drain is scheduled or running (one at a time). */
  writing: boolean;
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

const onDiskBytes = (w: Writer, s: SpoolState) => s.sealedBytes + w.sealer.stats().unsealedBytes + (s.active?.bytes ?? 0);

async function ensureActive(w: Writer, s: SpoolState): Promise<Active> {
  if (s.active) return s.active;
  const seq = s.nextSeq++;
  const file = await w.io.openAppend(join(w.dir, segmentName(seq, OPEN_SUFFIX)));
  await w.io.syncDir(w.dir); // the new file's directory entry must survive a crash before we ack into it
  s.active = { seq, file, bytes: 0, openedAt: w.clock.now() };
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

/** One group commit: write, fdatasync, then acknowledge; on failure nothing of it is acknowledged. */
async function writeGroup(w: Writer, s: SpoolState, group: Pending[]): Promise<void> {
  const buf = group.length === 1 ? group[0]!.buf : Buffer.concat(group.map((p) => p.buf));
  s.pendingBytes -= buf.length;
  let a: Active | null = null;
  try {
    a = await ensureActive(w, s);
    await a.file.write(buf, a.bytes);
    await a.file.datasync();
    a.bytes += buf.length;
    s.commits++;
    for (const p of group) p.resolve();
  } catch (err) {
    // Nothing of this group is acknowledged; cut whatever part of it reached the file. If the
    // cut fails too, the bytes are unacknowledged garbage that recovery's checksums drop.
    if (a) await a.file.truncate(a.bytes).catch(() => undefined);
    const e = new SpoolWriteError(err);
    for (const p of group) p.reject(e);
  }
}

async function drain(w: Writer, s: SpoolState): Promise<void> {
  try {
    await w.sealer.retry(); // segments whose seal failed go first, in order
    while (s.pending.length > 0 || s.rollRequested) {
      if (s.pending.length > 0) {
        const group = s.pending;
        s.pending = [];
        await writeGroup(w, s, group);
      }
      if (s.rollRequested || (s.active && s.active.bytes >= w.segmentBytes)) await seal(w, s);
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

function append(w: Writer, s: SpoolState, lines: readonly string[], fields: RecordFields | undefined): Promise<void> {
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
    kick(w, s);
  });
}

function roll(w: Writer, s: SpoolState): Promise<void> {
  s.rollRequested = true;
  return new Promise<void>((resolve) => {
    s.idle.push(resolve);
    kick(w, s);
  });
}

/** The timer's tick: seal a segment that is old enough, retry a failed seal. */
function onTick(w: Writer, s: SpoolState): void {
  if (s.active && s.active.bytes > 0 && w.clock.now() - s.active.openedAt >= w.rollIntervalMs) s.rollRequested = true;
  if (s.rollRequested || w.sealer.stats().unsealedSegments > 0) kick(w, s);
}

function statsOf(w: Writer, s: SpoolState): SpoolStats {
  return {
    sealedSegments: s.sealed.length,
    bytes: onDiskBytes(w, s),
    maxBytes: w.maxBytes,
    rowsAppended: s.rowsAppended,
    commits: s.commits,
    damagedRecords: s.damaged.records,
    damagedBytes: s.damaged.bytes,
    ...w.sealer.stats(),
  };
}

/**
 * Opens the spool in `dir`, recovering from a crash: interrupted segments are repaired and sealed;
 * segments at or below `checkpoint` (already in the warehouse) are deleted. The write path is the
 * steps above over one SpoolState: nothing acknowledged before its fdatasync, nothing sealed out of
 * order.
 */
export async function openSpool(options: SpoolOptions, checkpoint: number | null): Promise<OpenSpoolResult> {
  const io = options.io ?? nodeSpoolIO;
  await mkdir(options.dir, { recursive: true });
  const recovered = await recoverSegments(options.dir, checkpoint, io);
  const s: SpoolState = {
    nextSeq: recovered.nextSeq, active: null, pending: [], pendingBytes: 0, writing: false, rollRequested: false, closed: false,
    rowsAppended: 0, commits: 0, sealed: recovered.sealed, sealedBytes: recovered.sealed.reduce((n, f) => n + f.bytes, 0),
    damaged: { records: 0, bytes: 0 }, listeners: [], idle: [],
  };
  const sealer = createSegmentSealer({
    dir: options.dir,
    log: options.log ?? (() => undefined),
    onSealed(file) {
      s.sealed.push(file);
      s.sealedBytes += file.bytes;
      for (const l of s.listeners) l();
    },
  });
  const w: Writer = {
    dir: options.dir, io, sealer,
    clock: options.clock ?? systemClock,
    maxBytes: options.maxBytes ?? 1024 ** 3,
    segmentBytes: options.segmentBytes ?? 16 * 1024 ** 2,
    rollIntervalMs: options.rollIntervalMs ?? 200,
    recordFormat: options.recordFormat ?? SegmentFormat.Framed,
  };
  const stopTimer = w.clock.every(Math.max(10, Math.floor(w.rollIntervalMs / 2)), () => onTick(w, s));
  const spool: Spool = {
    append: (lines, fields) => append(w, s, lines, fields),
    sealed: () => s.sealed.slice(),
    roll: () => roll(w, s),
    async release(seq) {
      while (s.sealed.length > 0 && s.sealed[0]!.seq <= seq) {
        const f = s.sealed.shift()!;
        s.sealedBytes -= f.bytes;
        await removeFile(f.path);
      }
    },
    onSealed: (listener) => void s.listeners.push(listener),
    countDamage(found) {
      s.damaged.records += found.length;
      for (const d of found) s.damaged.bytes += d.bytes;
    },
    stats: () => statsOf(w, s),
    async close() {
      if (s.closed) return;
      await roll(w, s);
      s.closed = true;
      stopTimer();
      // A segment still open or unsealed here is durable: the next start's recovery seals it.
      if (s.active) await s.active.file.close().catch(() => undefined);
    },
  };
  return { spool, recoveredDropped: recovered.recoveredDropped, recoveredDamagedBytes: recovered.recoveredDamagedBytes };
}
