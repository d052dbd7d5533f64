import { mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoader } from '../../src/loader/loader.js';
import { nodeSpoolIO, openSpool, type SpoolIO } from '../../src/spool/spool.js';
import type { Warehouse } from '../../src/warehouse/warehouse.js';
import { eventLine } from '../support/rows.js';
import { tempDuckDBWarehouse, type DisposableWarehouse } from '../support/warehouses.js';

/**
 * Damages random bytes of a spool that acknowledged N events — in sealed segments and in the one
 * a crash left open — then restarts it (openSpool's recovery) and loads it with the real loader
 * into a real DuckDB warehouse. Each event's record is located by reading the documented layout
 * here (docs/spool.md), independently of the reader under test.
 *
 * TOUCHLINE_FUZZ_SEED / TOUCHLINE_FUZZ_ITERATIONS replay a failing seed or run longer.
 */
const FIRST_SEED = Number(process.env['TOUCHLINE_FUZZ_SEED'] ?? 1);
const ITERATIONS = Number(process.env['TOUCHLINE_FUZZ_ITERATIONS'] ?? 40);
const PAGE = 4096;

let store: DisposableWarehouse;
beforeAll(async () => {
  store = await tempDuckDBWarehouse('touchline-fuzz');
  await store.warehouse.migrate();
});
afterAll(async () => {
  await store?.dispose();
});

/** mulberry32: a small seeded generator, so every seed replays the same damage. */
function generator(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

interface Record {
  readonly id: string;
  readonly start: number;
  readonly end: number;
}

interface SegmentState {
  readonly name: string;
  readonly open: boolean;
  readonly original: Buffer;
  damaged: Buffer;
  readonly records: Record[];
  readonly ops: string[];
}

/** The records of an undamaged framed segment, from the documented header layout. */
function walk(buf: Buffer): Record[] {
  const out: Record[] = [];
  for (let pos = 0; pos < buf.length; ) {
    expect(buf.subarray(pos, pos + 4).toString('hex')).toBe('ff544c53');
    const payloadLength = buf.readUInt32LE(pos + 8);
    const end = pos + 20 + buf.readUInt16LE(pos + 6) + payloadLength;
    const row = JSON.parse(buf.toString('utf8', end - payloadLength, end)) as { message_id: string };
    out.push({ id: row.message_id, start: pos, end });
    pos = end;
  }
  return out;
}

/**
 * The spool's own file operations without fdatasync: durability is not what this test attacks
 * (crash.test.ts does), and hundreds of fsyncs would make it slow; the bytes are the real writer's.
 */
const unsyncedIO: SpoolIO = {
  syncDir: async () => undefined,
  async openAppend(path) {
    return { ...(await nodeSpoolIO.openAppend(path)), datasync: async () => undefined };
  },
};

/** Spools N events as the collector would (each append acknowledged), then leaves the last segment open, as a crash does. */
async function spoolEvents(dir: string, seed: number, rnd: (n: number) => number): Promise<string[]> {
  const segmentBytes = [PAGE, 2 * PAGE, 4 * PAGE][rnd(3)]!;
  const { spool } = await openSpool({ dir, segmentBytes, rollIntervalMs: 600_000, io: unsyncedIO }, seed * 1000);
  const n = 30 + rnd(50);
  const acked: string[] = [];
  for (let i = 0; i < n; ) {
    const lines: string[] = [];
    const ids: string[] = [];
    for (let k = 1 + rnd(4); k > 0 && i < n; k--, i++) {
      ids.push(`fz${seed}x${i}`);
      lines.push(eventLine({ type: 'track', messageId: `fz${seed}x${i}`, anonymousId: `a-${i % 5}`, event: 'Fuzz', properties: { i, pad: 'p'.repeat(rnd(600)) } }));
    }
    await spool.append(lines);
    acked.push(...ids);
  }
  await spool.close();
  const sealed = (await readdir(dir)).filter((f) => f.endsWith('.seg')).sort();
  const last = sealed[sealed.length - 1]!;
  await rename(join(dir, last), join(dir, last.replace('.seg', '.open')));
  return acked;
}

/** One damage at random: a bit flip, a NUL, a truncation, a zeroed 4 KiB page or random bytes. */
function damage(s: SegmentState, rnd: (n: number) => number): void {
  const buf = Buffer.from(s.damaged);
  if (buf.length === 0) return;
  const at = rnd(buf.length);
  switch (rnd(5)) {
    case 0:
      buf[at] = buf[at]! ^ (1 << rnd(8));
      s.ops.push(`flip@${at}`);
      break;
    case 1:
      buf[at] = 0;
      s.ops.push(`nul@${at}`);
      break;
    case 2:
      s.damaged = buf.subarray(0, at);
      s.ops.push(`truncate@${at}`);
      return;
    case 3: {
      const page = Math.floor(at / PAGE) * PAGE;
      buf.fill(0, page, Math.min(buf.length, page + PAGE));
      s.ops.push(`zero-page@${page}`);
      break;
    }
    default: {
      const n = 1 + rnd(200);
      for (let i = at; i < Math.min(buf.length, at + n); i++) buf[i] = rnd(256);
      s.ops.push(`overwrite@${at}+${n}`);
    }
  }
  s.damaged = buf;
}

/** Whether any byte of the record changed or was cut off. */
function isDamaged(s: SegmentState, r: Record): boolean {
  if (r.end > s.damaged.length) return true;
  return !s.original.subarray(r.start, r.end).equals(s.damaged.subarray(r.start, r.end));
}

interface Quarantined {
  readonly segment: string;
  readonly offset: number;
  readonly bytes: number;
  readonly raw: Buffer;
}

async function quarantinedRows(w: Warehouse, names: ReadonlySet<string>): Promise<Quarantined[]> {
  const r = await w.query(`SELECT reason, raw FROM failed_events WHERE reason LIKE 'spool damage in segment %'`);
  const out: Quarantined[] = [];
  for (const [reason, raw] of r.rows) {
    const m = /^spool damage in segment (\S+) at byte offset (\d+) \((\d+) bytes\)/.exec(String(reason));
    expect(m, String(reason)).not.toBeNull();
    if (!names.has(m![1]!)) continue;
    out.push({ segment: m![1]!, offset: Number(m![2]), bytes: Number(m![3]), raw: Buffer.from(String(raw), 'base64') });
  }
  return out;
}

async function runSeed(seed: number): Promise<void> {
  const rnd = generator(seed);
  const dir = await mkdtemp(join(tmpdir(), `touchline-fuzz-${seed}-`));
  try {
    const acked = await spoolEvents(dir, seed, rnd);
    const files = (await readdir(dir)).sort();
    const segments: SegmentState[] = [];
    for (const name of files) {
      const original = await readFile(join(dir, name));
      segments.push({ name: name.replace('.open', '.seg'), open: name.endsWith('.open'), original, damaged: original, records: walk(original), ops: [] });
    }
    expect(segments.flatMap((s) => s.records.map((r) => r.id))).toEqual(acked);
    const open = segments[segments.length - 1]!;
    for (let k = 1 + rnd(3); k > 0; k--) damage(rnd(5) < 2 ? open : segments[rnd(segments.length)]!, rnd);
    for (const s of segments) await writeFile(join(dir, s.open ? s.name.replace('.seg', '.open') : s.name), s.damaged);
    const story = `seed ${seed}: ${segments.filter((s) => s.ops.length).map((s) => `${s.name}${s.open ? ' (open)' : ''} ${s.ops.join(' ')}`).join('; ')}`;

    // Restart: recovery, then the real loader into the real warehouse.
    const collectorId = `fuzz-${seed}`;
    const { spool } = await openSpool({ dir, rollIntervalMs: 600_000 }, await store.warehouse.checkpoint(collectorId));
    const openSeq = Number(open.name.slice(0, 16));
    const kept = spool.sealed().find((f) => f.seq === openSeq)?.bytes ?? 0;
    const loader = createLoader({ collectorId, spool, warehouse: store.warehouse });
    let timer: NodeJS.Timeout | undefined;
    const stalled = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${story}: the loader did not finish`)), 20_000);
    });
    await Promise.race([loader.flush(), stalled]).finally(() => clearTimeout(timer));
    const stats = spool.stats();
    await loader.stop();
    await spool.close();

    const loaded = await store.warehouse.query(`SELECT message_id, count(*) FROM events WHERE message_id LIKE 'fz${seed}x%' GROUP BY 1`);
    expect(loaded.rows.filter(([, n]) => Number(n) !== 1), `${story}: loaded twice`).toEqual([]);
    const undamaged = segments.flatMap((s) => s.records.filter((r) => !isDamaged(s, r)).map((r) => r.id));
    expect(loaded.rows.map(([id]) => String(id)).sort(), `${story}: loaded ≠ acknowledged and undamaged`).toEqual([...undamaged].sort());

    const quarantined = await quarantinedRows(store.warehouse, new Set(segments.map((s) => s.name)));
    for (const s of segments) {
      const mine = quarantined.filter((q) => q.segment === s.name);
      for (const q of mine) {
        expect(q.raw.equals(s.damaged.subarray(q.offset, q.offset + q.bytes)), `${story}: raw of ${s.name}@${q.offset}`).toBe(true);
        const covers = s.records.some((r) => isDamaged(s, r) && r.start < q.offset + q.bytes && q.offset < r.end);
        expect(covers, `${story}: ${s.name}@${q.offset}+${q.bytes} set aside bytes of no damaged record`).toBe(true);
      }
      for (const r of s.records.filter((x) => isDamaged(s, x))) {
        if (r.start >= s.damaged.length) continue; // its bytes are gone: nothing left to set aside
        if (s.open && r.start >= kept) continue; // in the torn tail recovery cut (never acknowledged, for all it can tell)
        const found = mine.some((q) => q.offset < Math.min(r.end, s.damaged.length) && r.start < q.offset + q.bytes);
        expect(found, `${story}: damaged record ${r.id} at ${s.name}@${r.start} is not in failed_events`).toBe(true);
      }
    }
    // Recovery cuts only what a write interrupted by a crash leaves: the file cut short, or ending in zeros.
    const tornLooking = open.ops.some((o) => o.startsWith('truncate')) || open.damaged[open.damaged.length - 1] === 0;
    if (!tornLooking) expect(kept, `${story}: recovery cut damaged bytes it should have set aside`).toBe(open.damaged.length);
    expect(stats.damagedRecords, story).toBe(quarantined.length);
    expect(stats.damagedBytes, story).toBe(quarantined.reduce((n, q) => n + q.bytes, 0));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('a damaged spool', () => {
  it(
    `loads every undamaged acknowledged event exactly once and sets the damage aside (seeds ${FIRST_SEED}…${FIRST_SEED + ITERATIONS - 1})`,
    { timeout: 120_000 },
    async () => {
      for (let seed = FIRST_SEED; seed < FIRST_SEED + ITERATIONS; seed++) await runSeed(seed);
    },
  );
});
