import { mkdir } from 'node:fs/promises';
import { systemClock, type Clock } from '../clock/clock.js';
import type { SpoolDamage } from './damage.js';
import type { RecordFields } from './record-format.js';
import { SegmentFormat } from './segment-scan.js';
import { repairSegment } from './segment-repair.js';
import { createSegmentSealer, type SealerStats } from './segment-sealer.js';
import { listSegments, removeFile, sealFile, type SegmentFile } from './segments.js';
import { nodeSpoolIO, type SpoolIO } from './spool-io.js';
import { append, onDiskBytes, onTick, roll, type SpoolState, type Writer } from './write-path.js';

export { nodeSpoolIO, SpoolFullError, SpoolWriteError, type AppendFile, type SpoolIO } from './spool-io.js';

/**
 * The durable spool: an append-only, segmented log on local disk. `append` resolves only after
 * the rows are fsynced, so the collector acknowledges (200) exactly what it can never lose.
 * Appends that arrive while a write is in flight are committed together by the next write and
 * one fsync (group commit), which is what lets a single disk keep up with thousands of requests;
 * the next group is written while the previous one syncs (write-path.ts).
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
  /**
   * Group commits in flight at once: while one group's fdatasync runs, the next group is written
   * and its own fdatasync begins, so throughput is not bounded by connections ÷ commit latency.
   * `1` is the earlier serial path (write, fdatasync, acknowledge, next), kept as the ingest
   * bench's baseline. @defaultValue 2
   */
  readonly commitSlots?: number;
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
 * steps of write-path.ts over one SpoolState: nothing acknowledged before an fdatasync that began
 * after its write, nothing sealed out of order.
 */
export async function openSpool(options: SpoolOptions, checkpoint: number | null): Promise<OpenSpoolResult> {
  const io = options.io ?? nodeSpoolIO;
  await mkdir(options.dir, { recursive: true });
  const recovered = await recoverSegments(options.dir, checkpoint, io);
  const s: SpoolState = {
    nextSeq: recovered.nextSeq, active: null, inFlight: [], pending: [], pendingBytes: 0, writing: false, wake: null, rollRequested: false, closed: false,
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
    commitSlots: Math.max(1, Math.floor(options.commitSlots ?? 2)),
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
