import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../../clock/clock.js';
import { heldAfter } from '../engine/notifier.js';

/** One event waiting to be forwarded. `pos` orders the outbox; `id` is `source_id:message_id`. */
export interface OutboxEntry {
  readonly pos: number;
  readonly id: string;
  /** The warehouse row of the event, as spooled. */
  readonly row: Readonly<Record<string, unknown>>;
}

export interface OutboxOptions {
  readonly dir: string;
  /** Times `waitForAppend`'s wait. */
  readonly clock: Clock;
  /** A segment is closed once it grows past this. @defaultValue 4 MiB */
  readonly segmentBytes?: number;
}

const SEGMENT = /^(\d{12})\.ndjson$/;
const RECENT_IDS = 200_000;
const segmentName = (n: number) => `${String(n).padStart(12, '0')}.ndjson`;

/** Appends text and fsyncs before resolving: acknowledged means on disk. */
async function appendDurably(path: string, text: string): Promise<void> {
  const handle = await open(path, 'a');
  try {
    await handle.appendFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Replaces a small file atomically: write aside, fsync, rename over. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp`;
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
}

/**
 * The acknowledged prefix: 0 when the outbox is new. Any other failure to read it is an error
 * that names the file: guessing 0 would resend every entry still in the segments.
 */
async function readCursor(cursorFile: string): Promise<number> {
  let text: string;
  try {
    text = await readFile(cursorFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw new Error(`forwarding outbox ${cursorFile}: cannot read the cursor (${(error as Error).message}); fix its permissions`);
  }
  const pos = (() => {
    try {
      return (JSON.parse(text) as { pos?: unknown }).pos;
    } catch {
      return undefined; // reported below with the file's name
    }
  })();
  if (typeof pos !== 'number' || !Number.isSafeInteger(pos) || pos < 0) {
    throw new Error(
      `forwarding outbox ${cursorFile}: the cursor is not {"pos": <entry position>} (it is replaced atomically, so something else wrote it); ` +
        `remove the file to forward every entry still in the outbox again (the destination dedups them by event id)`,
    );
  }
  return pos;
}

interface Segment {
  readonly n: number;
  readonly path: string;
  lastPos: number;
}

/** The segments on disk, and the entries in them from `cursor` on (in position order). */
async function loadSegments(dir: string, cursor: number): Promise<{ segments: Segment[]; entries: OutboxEntry[] }> {
  const segments: Segment[] = [];
  const entries: OutboxEntry[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const m = SEGMENT.exec(name);
    if (!m) continue;
    const path = join(dir, name);
    let lastPos = -1;
    for (const line of (await readFile(path, 'utf8')).split('\n')) {
      if (!line) continue;
      let e: OutboxEntry;
      try {
        e = JSON.parse(line) as OutboxEntry;
      } catch {
        continue; // a line cut by a crash mid-append: it was never acknowledged to the loader
      }
      lastPos = Math.max(lastPos, e.pos);
      if (e.pos >= cursor) entries.push(e);
    }
    segments.push({ n: Number(m[1]), path, lastPos });
  }
  return { segments, entries };
}

/** An outbox's state: the durable cursor, the segments on disk, the entries not yet acknowledged. */
interface OutboxState {
  readonly dir: string;
  readonly clock: Clock;
  readonly segmentBytes: number;
  readonly cursorFile: string;
  /** Every entry before it is acknowledged (and on disk in cursor.json). */
  cursor: number;
  readonly segments: Segment[];
  readonly entries: OutboxEntry[];
  nextPos: number;
  /** Acknowledged beyond the cursor (out of order). */
  readonly acked: Set<number>;
  /**
   * Ids appended recently (acknowledged or not): a batch the loader retries after a failed load
   * is not forwarded twice. Bounded; older ids rely on the vendor's dedup key.
   */
  readonly recent: Set<string>;
  listeners: (() => void)[];
  /** Appends run one after another. */
  tail: Promise<void>;
}

/** The segment to append to: the last one while under `segmentBytes`, else a new one. */
async function activeSegment(st: OutboxState): Promise<Segment> {
  const last = st.segments[st.segments.length - 1];
  if (last) {
    // A segment deleted behind our back counts as empty: appending recreates it.
    const size = await stat(last.path).then((s) => s.size).catch(() => 0);
    if (size < st.segmentBytes) return last;
  }
  const n = (last?.n ?? 0) + 1;
  const seg = { n, path: join(st.dir, segmentName(n)), lastPos: -1 };
  st.segments.push(seg);
  return seg;
}

/** Appends the items not seen recently, durably, then wakes whoever waits for an append. */
async function appendFresh(st: OutboxState, items: readonly { id: string; row: Readonly<Record<string, unknown>> }[]): Promise<void> {
  const fresh = items.filter((i) => !st.recent.has(i.id));
  if (fresh.length === 0) return;
  const seg = await activeSegment(st);
  const added = fresh.map((i) => ({ pos: st.nextPos++, id: i.id, row: i.row }));
  await appendDurably(seg.path, added.map((e) => JSON.stringify(e)).join('\n') + '\n');
  seg.lastPos = added[added.length - 1]!.pos;
  for (const e of added) {
    st.entries.push(e);
    st.recent.add(e.id);
    if (st.recent.size > RECENT_IDS) st.recent.delete(st.recent.values().next().value!);
  }
  wakeWaiters(st);
}

/** Resolves every `waitForAppend` now. */
function wakeWaiters(st: OutboxState): void {
  const l = st.listeners;
  st.listeners = [];
  l.forEach((f) => f());
}

function readFrom(st: OutboxState, fromPos: number, limit: number): OutboxEntry[] {
  const out: OutboxEntry[] = [];
  for (const e of st.entries) {
    if (e.pos < fromPos || st.acked.has(e.pos)) continue;
    out.push(e);
    if (out.length >= limit) break;
  }
  return out;
}

/** Marks entries done; moves the durable cursor over the acknowledged prefix and drops segments behind it. */
async function ackPositions(st: OutboxState, positions: readonly number[]): Promise<void> {
  for (const p of positions) st.acked.add(p);
  const before = st.cursor;
  while (st.entries.length > 0 && st.acked.has(st.entries[0]!.pos)) {
    const e = st.entries.shift()!;
    st.acked.delete(e.pos);
    st.cursor = e.pos + 1;
  }
  if (st.entries.length === 0) st.cursor = Math.max(st.cursor, st.nextPos);
  if (st.cursor === before) return;
  await writeAtomically(st.cursorFile, JSON.stringify({ pos: st.cursor }));
  while (st.segments.length > 1 && st.segments[0]!.lastPos < st.cursor) {
    const seg = st.segments.shift()!;
    await rm(seg.path, { force: true });
  }
}

/** Resolves at the next append, or after `ms` on the clock (the process held meanwhile: the forwarder waits on it). */
function nextAppend(st: OutboxState, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const wake = () => {
      cancel();
      resolve();
    };
    const cancel = heldAfter(st.clock, ms, () => {
      st.listeners = st.listeners.filter((l) => l !== wake);
      resolve();
    });
    st.listeners.push(wake);
  });
}

/**
 * A durable outbox for one forwarding rule: append-only NDJSON segments plus a cursor file.
 * Entries are appended (and fsynced) while the spool still holds their events, so a crash
 * cannot lose one; an entry is deleted only after the destination acknowledged it (delivered,
 * or refused for good): the cursor moves over the acknowledged prefix, and segments entirely
 * behind it are removed. Entries acknowledged out of order beyond the cursor are sent again
 * after a crash, with the same dedup key (the event's message id), so the vendor counts them once.
 * The state is one `OutboxState`; the methods are the functions above, over it.
 */
export async function openOutbox(o: OutboxOptions) {
  await mkdir(o.dir, { recursive: true });
  const cursorFile = join(o.dir, 'cursor.json');
  const cursor = await readCursor(cursorFile);
  const { segments, entries } = await loadSegments(o.dir, cursor);
  const st: OutboxState = {
    dir: o.dir, clock: o.clock, segmentBytes: o.segmentBytes ?? 4 * 1024 ** 2, cursorFile, cursor, segments, entries,
    nextPos: Math.max(cursor, ...segments.map((s) => s.lastPos + 1), 0),
    acked: new Set<number>(),
    recent: new Set<string>(entries.map((e) => e.id)),
    listeners: [],
    tail: Promise.resolve(),
  };
  return {
    /** Appends events durably; resolves once they are on disk. */
    append(items: readonly { id: string; row: Readonly<Record<string, unknown>> }[]): Promise<void> {
      const run = () => appendFresh(st, items);
      const p = st.tail.then(run, run);
      // The caller of this append gets its failure through `p`; the chain itself goes on.
      st.tail = p.catch(() => undefined);
      return p;
    },
    /** Entries from `fromPos` on, in order (up to `limit`). */
    read: (fromPos: number, limit: number): OutboxEntry[] => readFrom(st, fromPos, limit),
    /** Marks entries done; moves the durable cursor and drops segments behind it. */
    ack: (positions: readonly number[]): Promise<void> => ackPositions(st, positions),
    /** Entries not yet acknowledged. */
    pending: () => st.entries.length,
    /** Resolves at the next append (or after `ms`). */
    waitForAppend: (ms: number): Promise<void> => nextAppend(st, ms),
    /** Ends every wait at once (the forwarder is closing). */
    wake: (): void => wakeWaiters(st),
  };
}
export type Outbox = Awaited<ReturnType<typeof openOutbox>>;
