import { sealFile, type SegmentFile } from './segments.js';

/** A written segment on its way to `sealed`: its events are durable (fsynced) already. */
export interface Unsealed {
  readonly seq: number;
  readonly bytes: number;
  close(): Promise<void>;
}

export interface SealerStats {
  /** Durable segments whose seal failed, waiting for a retry; the loader cannot see them yet. */
  readonly unsealedSegments: number;
  readonly unsealedBytes: number;
  /** Failed seal attempts since start. */
  readonly sealFailures: number;
  /** The latest failure, until a retry succeeds. */
  readonly lastSealError: string | null;
}

export interface SegmentSealer {
  /** Queues `segment` behind any that still wait, then seals what it can. Never throws. */
  seal(segment: Unsealed): Promise<void>;
  /** Seals the waiting segments, oldest first; stops at the first failure. True when none waits. */
  retry(): Promise<boolean>;
  stats(): SealerStats;
}

export interface SealerOptions {
  readonly dir: string;
  /** A sealed segment, in sequence order: the loader may take it. */
  onSealed(file: SegmentFile): void;
  log(message: string, fields: Record<string, unknown>): void;
}

/**
 * Closes and renames written segments so the loader sees them. A failure (EIO, EMFILE, a full
 * directory…) used to drop the segment from sight until a restart, silently; now it waits here,
 * is logged, shows in the spool's stats (and `status`), and is retried on the spool's next
 * tick. Segments seal strictly in order: a later one never overtakes a waiting one, or the
 * loader's checkpoint would pass it and a restart would delete it unloaded.
 */
export function createSegmentSealer(o: SealerOptions): SegmentSealer {
  const waiting: { segment: Unsealed; closed: boolean }[] = [];
  let failures = 0;
  let lastError: string | null = null;

  async function sealFirst(w: { segment: Unsealed; closed: boolean }): Promise<SegmentFile> {
    if (!w.closed) {
      await w.segment.close();
      w.closed = true;
    }
    const path = await sealFile(o.dir, w.segment.seq);
    return { seq: w.segment.seq, path, bytes: w.segment.bytes };
  }

  async function retry(): Promise<boolean> {
    while (waiting.length > 0) {
      const w = waiting[0]!;
      try {
        const file = await sealFirst(w);
        waiting.shift();
        o.onSealed(file);
      } catch (err) {
        failures++;
        lastError = (err as Error).message;
        o.log('could not seal a spool segment; its events are on disk and it is retried (the loader waits for it)', {
          segment: w.segment.seq,
          waiting: waiting.length,
          error: lastError,
        });
        return false;
      }
    }
    lastError = null;
    return true;
  }

  return {
    async seal(segment) {
      waiting.push({ segment, closed: false });
      await retry();
    },
    retry,
    stats: () => ({
      unsealedSegments: waiting.length,
      unsealedBytes: waiting.reduce((n, w) => n + w.segment.bytes, 0),
      sealFailures: failures,
      lastSealError: lastError,
    }),
  };
}
