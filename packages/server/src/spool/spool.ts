import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock, type Clock } from '../clock/clock.js';
import type { SpoolDamage } from './damage.js';
import { encodeRecords, type RecordFields } from './record-format.js';
import { SegmentFormat } from './segment-scan.js';
import { repairSegment } from './segment-repair.js';
import { createSegmentSealer, type SealerStats } from './segment-sealer.js';
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

/**
 * Opens the spool in `dir`, recovering from a crash: interrupted segments are repaired and sealed;
 * segments at or below `checkpoint` (already in the warehouse) are deleted.
 *
 * Longer than our usual function: the write path (group commit, fsync, roll, seal) shares one
 * small state — the active segment, the pending groups, the byte counts — and keeping its few
 * steps side by side here is what makes its ordering (nothing acknowledged before fsync, nothing
 * sealed out of order) reviewable in one place. Recovery and sealing are their own functions.
 */
export async function openSpool(options: SpoolOptions, checkpoint: number | null): Promise<OpenSpoolResult> {
  const io = options.io ?? nodeSpoolIO;
  const clock = options.clock ?? systemClock;
  const maxBytes = options.maxBytes ?? 1024 ** 3;
  const segmentBytes = options.segmentBytes ?? 16 * 1024 ** 2;
  const rollIntervalMs = options.rollIntervalMs ?? 200;
  const dir = options.dir;
  const recordFormat = options.recordFormat ?? SegmentFormat.Framed;
  await mkdir(dir, { recursive: true });
  const recovered = await recoverSegments(dir, checkpoint, io);
  const sealed = recovered.sealed;
  let nextSeq = recovered.nextSeq;
  let sealedBytes = sealed.reduce((n, f) => n + f.bytes, 0);

  let active: Active | null = null;
  let pending: Pending[] = [];
  let pendingBytes = 0;
  let writing = false;
  let rollRequested = false;
  let closed = false;
  let rowsAppended = 0;
  let commits = 0;
  const damaged = { records: 0, bytes: 0 };
  const listeners: (() => void)[] = [];
  const idle: (() => void)[] = [];
  const sealer = createSegmentSealer({
    dir,
    log: options.log ?? (() => undefined),
    onSealed(file) {
      sealed.push(file);
      sealedBytes += file.bytes;
      for (const l of listeners) l();
    },
  });
  const onDiskBytes = () => sealedBytes + sealer.stats().unsealedBytes + (active?.bytes ?? 0);

  async function ensureActive(): Promise<Active> {
    if (active) return active;
    const seq = nextSeq++;
    const path = join(dir, segmentName(seq, OPEN_SUFFIX));
    const file = await io.openAppend(path);
    await io.syncDir(dir); // the new file's directory entry must survive a crash before we ack into it
    active = { seq, file, bytes: 0, openedAt: clock.now() };
    return active;
  }

  /** Hands the active segment to the sealer, which never throws (a failure waits for a retry). */
  async function seal(): Promise<void> {
    rollRequested = false;
    const a = active;
    if (!a || a.bytes === 0) return;
    active = null;
    await sealer.seal({ seq: a.seq, bytes: a.bytes, close: () => a.file.close() });
  }

  async function writeGroup(group: Pending[]): Promise<void> {
    const buf = group.length === 1 ? group[0]!.buf : Buffer.concat(group.map((p) => p.buf));
    pendingBytes -= buf.length;
    let a: Active | null = null;
    try {
      a = await ensureActive();
      await a.file.write(buf, a.bytes);
      await a.file.datasync();
      a.bytes += buf.length;
      commits++;
      for (const p of group) p.resolve();
    } catch (err) {
      // Nothing of this group is acknowledged; cut whatever part of it reached the file. If the
      // cut fails too, the bytes are unacknowledged garbage that recovery's checksums drop.
      if (a) await a.file.truncate(a.bytes).catch(() => undefined);
      const e = new SpoolWriteError(err);
      for (const p of group) p.reject(e);
    }
  }

  async function drain(): Promise<void> {
    try {
      await sealer.retry(); // segments whose seal failed go first, in order
      while (pending.length > 0 || rollRequested) {
        if (pending.length > 0) {
          const group = pending;
          pending = [];
          await writeGroup(group);
        }
        if (rollRequested || (active && active.bytes >= segmentBytes)) await seal();
      }
    } finally {
      writing = false;
      for (const f of idle.splice(0)) f();
    }
  }

  function kick(): void {
    if (writing) return;
    writing = true;
    setImmediate(() => void drain());
  }

  const stopTimer = clock.every(Math.max(10, Math.floor(rollIntervalMs / 2)), () => {
    if (active && active.bytes > 0 && clock.now() - active.openedAt >= rollIntervalMs) rollRequested = true;
    if (rollRequested || sealer.stats().unsealedSegments > 0) kick();
  });

  const spool: Spool = {
    append(lines, fields) {
      if (closed) return Promise.reject(new SpoolWriteError(new Error('the spool is closed')));
      if (lines.length === 0) return Promise.resolve();
      let buf: Buffer;
      try {
        buf = recordFormat === SegmentFormat.Lines ? Buffer.from(lines.join('\n') + '\n', 'utf8') : encodeRecords(lines, fields);
      } catch (err) {
        return Promise.reject(err as Error);
      }
      const onDisk = onDiskBytes() + pendingBytes;
      if (onDisk + buf.length > maxBytes) {
        return Promise.reject(
          new SpoolFullError(`the spool holds ${onDisk} bytes, its cap is ${maxBytes} (spool.maxBytes)`),
        );
      }
      pendingBytes += buf.length;
      rowsAppended += lines.length;
      return new Promise<void>((resolve, reject) => {
        pending.push({ buf, resolve, reject });
        kick();
      });
    },
    sealed: () => sealed.slice(),
    roll() {
      rollRequested = true;
      return new Promise<void>((resolve) => {
        idle.push(resolve);
        kick();
      });
    },
    async release(seq) {
      while (sealed.length > 0 && sealed[0]!.seq <= seq) {
        const f = sealed.shift()!;
        sealedBytes -= f.bytes;
        await removeFile(f.path);
      }
    },
    onSealed(listener) {
      listeners.push(listener);
    },
    countDamage(found) {
      damaged.records += found.length;
      for (const d of found) damaged.bytes += d.bytes;
    },
    stats: () => ({
      sealedSegments: sealed.length,
      bytes: onDiskBytes(),
      maxBytes,
      rowsAppended,
      commits,
      damagedRecords: damaged.records,
      damagedBytes: damaged.bytes,
      ...sealer.stats(),
    }),
    async close() {
      if (closed) return;
      await spool.roll();
      closed = true;
      stopTimer();
      // A segment still open or unsealed here is durable: the next start's recovery seals it.
      if (active) await active.file.close().catch(() => undefined);
    },
  };
  return { spool, recoveredDropped: recovered.recoveredDropped, recoveredDamagedBytes: recovered.recoveredDamagedBytes };
}
