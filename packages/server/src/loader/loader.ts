import { systemClock, type Clock } from '../clock/clock.js';
import type { SpoolDamage } from '../spool/damage.js';
import type { SegmentFile } from '../spool/segments.js';
import type { Spool } from '../spool/spool.js';
import { readSegmentsRows } from '../spool/segment-reader.js';
import type { LoadBatch, LoadResult, Warehouse } from '../warehouse/warehouse.js';

/**
 * Moves sealed spool segments into the warehouse. Each batch is loaded together with its
 * checkpoint; only then are its files deleted. After a crash the spool replays from the
 * checkpoint, and (source_id, message_id) deduplication keeps every event exactly once.
 */
export interface LoaderOptions {
  readonly collectorId: string;
  readonly spool: Spool;
  readonly warehouse: Warehouse;
  /** Segments larger together than this are split over several loads. @defaultValue 256 MiB */
  readonly maxBatchBytes?: number;
  /** @defaultValue 24 h */
  readonly dedupWindowMs?: number;
  /** Polling interval when idle (sealing also wakes the loader). @defaultValue 250 ms */
  readonly intervalMs?: number;
  /**
   * Shortest time between two loads while the spool holds less than `eagerBytes`: under load,
   * rows gather into fewer, larger loads (DuckDB writes large inserts straight to its blocks,
   * small ones through its WAL), at the cost of up to this much loader lag. @defaultValue 1000 ms
   */
  readonly minIntervalMs?: number;
  /** Sealed bytes that start a load at once, whatever `minIntervalMs` says. @defaultValue 32 MiB */
  readonly eagerBytes?: number;
  /** Longest back-off after a failed load. @defaultValue 30 s */
  readonly maxBackoffMs?: number;
  readonly log?: (msg: string, fields?: Record<string, unknown>) => void;
  /**
   * Called with each batch before it is loaded (activation's forwarding outbox takes its events
   * here, while the spool still holds them). A failure retries the batch.
   */
  readonly beforeLoad?: (batch: LoadBatch) => Promise<void>;
  /** Lag, back-off and the polling timer. @defaultValue the system clock */
  readonly clock?: Clock;
}

export interface LoaderStats {
  readonly loadedEvents: number;
  readonly loadedFailed: number;
  readonly duplicates: number;
  readonly unloadable: number;
  readonly batches: number;
  readonly lastLoadAt: string | null;
  readonly lastError: string | null;
  /** Time the oldest sealed segment has been waiting, in ms (0 when caught up). */
  readonly lagMs: number;
}

export interface Loader {
  start(): void;
  /** Loads everything sealed now (rolls the active segment first). */
  flush(): Promise<void>;
  stop(): Promise<void>;
  stats(): LoaderStats;
}

/** The oldest sealed segments that fit in `maxBatchBytes` (always at least one), and the checkpoint they reach. */
export function planBatch(sealed: readonly SegmentFile[], maxBatchBytes: number): { files: string[]; lastSeq: number } {
  const files: string[] = [];
  let bytes = 0;
  let lastSeq = 0;
  for (const s of sealed) {
    if (files.length > 0 && bytes + s.bytes > maxBatchBytes) break;
    files.push(s.path);
    bytes += s.bytes;
    lastSeq = s.seq;
  }
  return { files, lastSeq };
}

/** Wait before the next try after `failures` failed loads in a row: 400 ms doubling, capped. */
export const backoffMs = (failures: number, maxBackoffMs: number): number => Math.min(maxBackoffMs, 200 * 2 ** Math.min(failures, 10));

export function createLoader(options: LoaderOptions): Loader {
  const { spool, warehouse, collectorId } = options;
  const maxBatchBytes = options.maxBatchBytes ?? 256 * 1024 ** 2;
  const dedupWindowMs = options.dedupWindowMs ?? 24 * 3600 * 1000;
  const intervalMs = options.intervalMs ?? 250;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  const minIntervalMs = options.minIntervalMs ?? 1000;
  const eagerBytes = options.eagerBytes ?? 32 * 1024 ** 2;
  const clock = options.clock ?? systemClock;
  let lastLoadStart = 0;
  const log = options.log ?? (() => undefined);

  let running = false;
  let busy: Promise<void> | null = null;
  let stopTimer: (() => void) | null = null;
  let failures = 0;
  let retryAt = 0;
  const sealedAt = new Map<number, number>();
  const totals = { loadedEvents: 0, loadedFailed: 0, duplicates: 0, unloadable: 0, batches: 0 };
  let lastLoadAt: string | null = null;
  let lastError: string | null = null;

  spool.onSealed(() => {
    for (const f of spool.sealed()) if (!sealedAt.has(f.seq)) sealedAt.set(f.seq, clock.now());
    if (running) tick();
  });

  async function loadOnce(): Promise<boolean> {
    const segs = spool.sealed();
    if (segs.length === 0) return false;
    lastLoadStart = clock.now();
    const { files, lastSeq } = planBatch(segs, maxBatchBytes);
    // The batch may be read more than once (outbox, a warehouse's retry): damage counts once.
    const damage = new Map<string, SpoolDamage>();
    const onDamage = (d: SpoolDamage) => damage.set(`${d.segment}@${d.offset}`, d);
    const batch: LoadBatch = { collectorId, lastSeq, dedupWindowMs, rows: () => readSegmentsRows(files, { onDamage }) };
    await options.beforeLoad?.(batch);
    const r: LoadResult = await warehouse.load(batch);
    await spool.release(lastSeq);
    if (damage.size > 0) {
      const found = [...damage.values()];
      spool.countDamage(found);
      log('damaged spool bytes were set aside in failed_events; every valid row around them loaded', {
        stretches: found.length,
        bytes: found.reduce((n, d) => n + d.bytes, 0),
        first: found.slice(0, 10).map((d) => `${d.segment}@${d.offset}+${d.bytes}: ${d.cause}`),
      });
    }
    for (const seq of [...sealedAt.keys()]) if (seq <= lastSeq) sealedAt.delete(seq);
    totals.loadedEvents += r.events;
    totals.loadedFailed += r.failed;
    totals.duplicates += r.duplicates;
    totals.unloadable += r.unloadable;
    totals.batches++;
    lastLoadAt = new Date(clock.now()).toISOString();
    if (r.unloadable > 0) log('rows the warehouse refused were quarantined', { count: r.unloadable });
    for (const w of r.warnings ?? []) log(`after a load: ${w}`, { lastSeq });
    return true;
  }

  // Loads never overlap: the background loop and flush() share this chain.
  let chain: Promise<unknown> = Promise.resolve();
  function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = chain.then(fn, fn);
    // The chain only orders loads; each caller's promise (`next`) carries its own failure.
    chain = next.catch(() => undefined);
    return next;
  }

  async function loop(): Promise<void> {
    try {
      while (clock.now() >= retryAt && due() && (await exclusive(loadOnce))) {
        failures = 0;
        lastError = null;
      }
    } catch (err) {
      failures++;
      lastError = (err as Error).message;
      const backoff = backoffMs(failures, maxBackoffMs);
      retryAt = clock.now() + backoff;
      log('load failed; the spool keeps the rows and the loader retries', { error: lastError, retryInMs: backoff });
    }
  }

  function due(): boolean {
    if (clock.now() - lastLoadStart >= minIntervalMs) return true;
    return spool.sealed().reduce((n, f) => n + f.bytes, 0) >= eagerBytes;
  }

  function tick(): void {
    if (busy) return;
    busy = loop().finally(() => {
      busy = null;
    });
  }

  return {
    start() {
      if (running) return;
      running = true;
      for (const f of spool.sealed()) sealedAt.set(f.seq, clock.now());
      stopTimer = clock.every(intervalMs, tick);
      tick();
    },
    async flush() {
      // For shutdown and tests: errors surface to the caller instead of backing off.
      await spool.roll();
      retryAt = 0;
      while (await exclusive(loadOnce)) {
        /* until nothing is sealed */
      }
    },
    async stop() {
      running = false;
      stopTimer?.();
      stopTimer = null;
      while (busy) await busy;
    },
    stats() {
      const oldest = Math.min(...sealedAt.values());
      return {
        ...totals,
        lastLoadAt,
        lastError,
        lagMs: Number.isFinite(oldest) ? clock.now() - oldest : 0,
      };
    },
  };
}
