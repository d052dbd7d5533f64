import { basename } from 'node:path';
import { nodeSpoolIO, type SpoolIO } from '../../src/spool/spool.js';

/**
 * The spool's real file operations (node:fs, real files), recording the order in which writes,
 * fdatasyncs, closes and the test's own acknowledgements happen, and letting a test hold each
 * fdatasync until it passes or fails it. The fdatasync itself always runs (on the real file);
 * only its answer to the spool is held.
 */
export type IoEvent =
  | { readonly kind: 'write'; readonly file: string; readonly ids: readonly string[] }
  | { readonly kind: 'sync-start' | 'sync-end' | 'sync-failed'; readonly file: string; readonly sync: number }
  | { readonly kind: 'close'; readonly file: string }
  | { readonly kind: 'ack' | 'refused'; readonly id: string };

/** One fdatasync the spool is waiting for, in the order they began. */
export interface HeldSync {
  readonly sync: number;
  readonly file: string;
  /** Answers the spool with the real fdatasync's result. */
  pass(): void;
  /** Answers the spool with `err` instead (as a failing disk would: EIO). */
  fail(err?: Error): void;
}

export interface OrderedIO {
  readonly io: SpoolIO;
  readonly events: IoEvent[];
  /** While true, each fdatasync waits for the test (see `sync`); false lets them through. */
  hold: boolean;
  /** The `n`-th fdatasync (0-based) once it has begun. */
  sync(n: number): Promise<HeldSync>;
  /** Resolves once an event matching `pred` has been recorded (at once if one was). */
  until(pred: (e: IoEvent) => boolean): Promise<void>;
  record(e: IoEvent): void;
}

/** The message ids (`"message_id":"…"`) in a buffer the spool writes. */
const idsIn = (buf: Buffer) => [...buf.toString('latin1').matchAll(/"message_id":"([^"]+)"/g)].map((m) => m[1]!);

export function orderedSpoolIO(): OrderedIO {
  const events: IoEvent[] = [];
  const held: HeldSync[] = [];
  const syncWaiters = new Map<number, (h: HeldSync) => void>();
  const waiters: { pred: (e: IoEvent) => boolean; done: () => void }[] = [];
  let syncs = 0;
  const o: OrderedIO = {
    events,
    hold: true,
    record(e) {
      events.push(e);
      for (const w of waiters.splice(0)) (w.pred(e) ? w.done() : waiters.push(w));
    },
    until: (pred) => (events.some(pred) ? Promise.resolve() : new Promise((done) => void waiters.push({ pred, done }))),
    sync: (n) => (held[n] ? Promise.resolve(held[n]) : new Promise((r) => void syncWaiters.set(n, r))),
    io: {
      syncDir: nodeSpoolIO.syncDir,
      async openAppend(path) {
        const f = await nodeSpoolIO.openAppend(path);
        const file = basename(path);
        return {
          async write(buf, position) {
            const n = await f.write(buf, position);
            o.record({ kind: 'write', file, ids: idsIn(buf) });
            return n;
          },
          async datasync() {
            const sync = syncs++;
            o.record({ kind: 'sync-start', file, sync });
            const real = f.datasync();
            if (o.hold) await heldAnswer(sync, file, real);
            else await real;
            o.record({ kind: 'sync-end', file, sync });
          },
          truncate: (len) => f.truncate(len),
          async close() {
            await f.close();
            o.record({ kind: 'close', file });
          },
        };
      },
    },
  };

  function heldAnswer(sync: number, file: string, real: Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const h: HeldSync = {
        sync,
        file,
        pass: () => void real.then(resolve, reject),
        fail(err = Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' })) {
          o.record({ kind: 'sync-failed', file, sync });
          void real.finally(() => reject(err));
        },
      };
      held[sync] = h;
      syncWaiters.get(sync)?.(h);
    });
  }
  return o;
}

/**
 * Every acknowledged id was written, and an fdatasync of its file that began after that write
 * ended (successfully) before the acknowledgement. Returns the ids that break this rule.
 */
export function acksWithoutCoveringSync(events: readonly IoEvent[]): string[] {
  const broken: string[] = [];
  events.forEach((e, ack) => {
    if (e.kind !== 'ack') return;
    // The last write of the id before its acknowledgement (a refused group's rows may be sent again).
    const w = events.slice(0, ack).findLastIndex((x) => x.kind === 'write' && x.ids.includes(e.id));
    const file = w >= 0 ? (events[w] as { file: string }).file : '';
    const covered = events.some((s, start) => {
      if (s.kind !== 'sync-start' || start < w || s.file !== file) return false;
      const end = events.findIndex((x) => x.kind === 'sync-end' && x.sync === s.sync);
      return end > start && end < ack;
    });
    if (w < 0 || !covered) broken.push(e.id);
  });
  return broken;
}
