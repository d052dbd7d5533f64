import { systemClock, type Clock } from '../clock/clock.js';
import type { Log } from '../logging/log.js';
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
  /** Where the loader says what it did: a plain function, or a {@link Log} (its debug and warn lines too). */
  readonly log?: LoaderLog;
  /**
   * Called with each batch before it is loaded (activation's forwarding outbox takes its events
   * here, while the spool still holds them). A failure retries the batch.
   */
  readonly beforeLoad?: (batch: LoadBatch) => Promise<void>;
  /** Lag, back-off and the polling timer. @defaultValue the system clock */
  readonly clock?: Clock;
  /**
   * Rows to drop while loading (src/privacy/: events of persons a privacy request removed, which
   * were already in the spool): neither the outbox nor the warehouse sees them. @defaultValue none
   */
  readonly dropRow?: (line: string) => boolean;
}

/** The loader's log: `log(msg, fields)`, and where given, `debug` (a line per batch) and `warn`. */
export type LoaderLog = ((msg: string, fields?: Record<string, unknown>) => void) & Partial<Pick<Log, 'debug' | 'warn'>>;

/** Request ids a batch's rows carry (their spool records'), for its log lines: how many, and the first few. */
export interface BatchRequests {
  add(requestId: string): void;
  fields(): { readonly requests: number; readonly requestIds: readonly string[] };
}

/** @param shown ids named in a line; @param kept ids remembered (a batch of 256 MiB holds many requests) */
export function batchRequests(shown = 20, kept = 10_000): BatchRequests {
  const ids = new Set<string>();
  return {
    add(id) {
      if (ids.size < kept) ids.add(id);
    },
    fields: () => ({ requests: ids.size, requestIds: [...ids].slice(0, shown) }),
  };
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

type Totals = { loadedEvents: number; loadedFailed: number; duplicates: number; unloadable: number; batches: number };

function addLoad(totals: Totals, r: LoadResult): void {
  totals.loadedEvents += r.events;
  totals.loadedFailed += r.failed;
  totals.duplicates += r.duplicates;
  totals.unloadable += r.unloadable;
  totals.batches++;
}

/** Damaged stretches a load set aside: counted in the spool's stats, and logged (where, not what). */
function reportDamage(spool: Spool, found: readonly SpoolDamage[], log: LoaderLog, requests: BatchRequests): void {
  spool.countDamage(found);
  log('damaged spool bytes were set aside in failed_events; every valid row around them loaded', {
    ...requests.fields(),
    stretches: found.length,
    bytes: found.reduce((n, d) => n + d.bytes, 0),
    first: found.slice(0, 10).map((d) => `${d.segment}@${d.offset}+${d.bytes}: ${d.cause}`),
  });
}

/** The loader's options with their defaults filled in. */
type Settings = Required<Omit<LoaderOptions, 'beforeLoad' | 'dropRow'>> & Pick<LoaderOptions, 'beforeLoad' | 'dropRow'>;

/** The rows of a batch without those `drop` names (each read filters again: reads repeat). */
function withoutDropped(rows: () => AsyncIterable<readonly string[]>, drop: ((line: string) => boolean) | undefined): () => AsyncIterable<readonly string[]> {
  if (!drop) return rows;
  return async function* () {
    for await (const chunk of rows()) yield chunk.filter((line) => !drop(line));
  };
}

/** The loader's one small state: what the steps below read and change. */
interface LoaderState {
  running: boolean;
  busy: Promise<void> | null;
  stopTimer: (() => void) | null;
  /** Failed loads in a row, and when the next may start. */
  failures: number;
  retryAt: number;
  lastLoadStart: number;
  /** When each sealed segment was first seen: the loader's lag. */
  readonly sealedAt: Map<number, number>;
  readonly totals: Totals;
  lastLoadAt: string | null;
  lastError: string | null;
  /** Loads never overlap: the background loop and flush() share this chain. */
  chain: Promise<unknown>;
  /** The requests of the batch being (or last) loaded: a failure's log line names them. */
  requests: BatchRequests;
}

/** Loads the oldest sealed segments that fit in one batch; false when nothing is sealed. */
async function loadOnce(o: Settings, s: LoaderState): Promise<boolean> {
  const segs = o.spool.sealed();
  if (segs.length === 0) return false;
  s.lastLoadStart = o.clock.now();
  const { files, lastSeq } = planBatch(segs, o.maxBatchBytes);
  // The batch may be read more than once (outbox, a warehouse's retry): damage counts once.
  const damage = new Map<string, SpoolDamage>();
  const onDamage = (d: SpoolDamage) => damage.set(`${d.segment}@${d.offset}`, d);
  const requests = (s.requests = batchRequests());
  const onRequestId = (id: string) => requests.add(id);
  const batch: LoadBatch = { collectorId: o.collectorId, lastSeq, dedupWindowMs: o.dedupWindowMs, rows: withoutDropped(() => readSegmentsRows(files, { onDamage, onRequestId }), o.dropRow) };
  await o.beforeLoad?.(batch);
  const r: LoadResult = await o.warehouse.load(batch);
  await o.spool.release(lastSeq);
  if (damage.size > 0) reportDamage(o.spool, [...damage.values()], o.log, requests);
  for (const seq of [...s.sealedAt.keys()]) if (seq <= lastSeq) s.sealedAt.delete(seq);
  addLoad(s.totals, r);
  s.lastLoadAt = new Date(o.clock.now()).toISOString();
  if (r.unloadable > 0) o.log('rows the warehouse refused were quarantined', { count: r.unloadable, ...requests.fields() });
  for (const w of r.warnings ?? []) o.log(`after a load: ${w}`, { lastSeq });
  o.log.debug?.('loaded a spool batch', { lastSeq, segments: files.length, events: r.events, failed: r.failed, duplicates: r.duplicates, ...requests.fields() });
  return true;
}

function exclusive<T>(s: LoaderState, fn: () => Promise<T>): Promise<T> {
  const next = s.chain.then(fn, fn);
  // The chain only orders loads; each caller's promise (`next`) carries its own failure.
  s.chain = next.catch(() => undefined);
  return next;
}

/** Whether a load may start now: `minIntervalMs` since the last, or `eagerBytes` already sealed. */
function due(o: Settings, s: LoaderState): boolean {
  if (o.clock.now() - s.lastLoadStart >= o.minIntervalMs) return true;
  return o.spool.sealed().reduce((n, f) => n + f.bytes, 0) >= o.eagerBytes;
}

/** Loads while there is something due; a failure is logged, shown in stats, and backed off. */
async function loop(o: Settings, s: LoaderState): Promise<void> {
  try {
    while (o.clock.now() >= s.retryAt && due(o, s) && (await exclusive(s, () => loadOnce(o, s)))) {
      s.failures = 0;
      s.lastError = null;
    }
  } catch (err) {
    s.failures++;
    s.lastError = (err as Error).message;
    const backoff = backoffMs(s.failures, o.maxBackoffMs);
    s.retryAt = o.clock.now() + backoff;
    (o.log.warn ?? o.log)('load failed; the spool keeps the rows and the loader retries', { error: s.lastError, retryInMs: backoff, ...s.requests.fields() });
  }
}

function tick(o: Settings, s: LoaderState): void {
  if (s.busy) return;
  s.busy = loop(o, s).finally(() => {
    s.busy = null;
  });
}

function statsOf(o: Settings, s: LoaderState): LoaderStats {
  const oldest = Math.min(...s.sealedAt.values());
  return { ...s.totals, lastLoadAt: s.lastLoadAt, lastError: s.lastError, lagMs: Number.isFinite(oldest) ? o.clock.now() - oldest : 0 };
}

export function createLoader(options: LoaderOptions): Loader {
  const o: Settings = {
    maxBatchBytes: 256 * 1024 ** 2,
    dedupWindowMs: 24 * 3600 * 1000,
    intervalMs: 250,
    maxBackoffMs: 30_000,
    minIntervalMs: 1000,
    eagerBytes: 32 * 1024 ** 2,
    clock: systemClock,
    log: () => undefined,
    ...options,
  };
  const s: LoaderState = {
    running: false, busy: null, stopTimer: null, failures: 0, retryAt: 0, lastLoadStart: 0,
    sealedAt: new Map(), totals: { loadedEvents: 0, loadedFailed: 0, duplicates: 0, unloadable: 0, batches: 0 },
    lastLoadAt: null, lastError: null, chain: Promise.resolve(), requests: batchRequests(),
  };
  o.spool.onSealed(() => {
    for (const f of o.spool.sealed()) if (!s.sealedAt.has(f.seq)) s.sealedAt.set(f.seq, o.clock.now());
    if (s.running) tick(o, s);
  });
  return {
    start() {
      if (s.running) return;
      s.running = true;
      for (const f of o.spool.sealed()) s.sealedAt.set(f.seq, o.clock.now());
      s.stopTimer = o.clock.every(o.intervalMs, () => tick(o, s));
      tick(o, s);
    },
    async flush() {
      // For shutdown and tests: errors surface to the caller instead of backing off.
      await o.spool.roll();
      s.retryAt = 0;
      while (await exclusive(s, () => loadOnce(o, s))) {
        /* until nothing is sealed */
      }
    },
    async stop() {
      s.running = false;
      s.stopTimer?.();
      s.stopTimer = null;
      while (s.busy) await s.busy;
    },
    stats: () => statsOf(o, s),
  };
}
