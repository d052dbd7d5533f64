import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAMAGE_ROW_BYTES } from '../../src/spool/damage.js';
import { decodeFields, encodeFields, encodeRecords, MAX_PAYLOAD_BYTES } from '../../src/spool/record-format.js';
import { readSegmentRows } from '../../src/spool/segment-reader.js';
import { repairSegment } from '../../src/spool/segment-repair.js';
import { openSegment } from '../../src/spool/segment-scan.js';
import type { SpoolDamage } from '../../src/spool/damage.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'touchline-records-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const row = (i: number) => JSON.stringify({ kind: 'event', message_id: `m-${i}`, properties: { note: 'ü “x” \u2028' } });
const rows = (n: number) => Array.from({ length: n }, (_, i) => row(i));

/** A framed segment of `lines` and each record's [start, end) offsets. */
function segment(lines: readonly string[]): { buf: Buffer; at: [number, number][] } {
  const at: [number, number][] = [];
  let pos = 0;
  for (const l of lines) {
    const n = encodeRecords([l]).length;
    at.push([pos, pos + n]);
    pos += n;
  }
  return { buf: encodeRecords(lines), at };
}

interface Read {
  readonly rows: string[];
  readonly damage: SpoolDamage[];
}

async function read(buf: Buffer, name = '0000000000000007.seg'): Promise<Read> {
  const path = join(dir, name);
  await writeFile(path, buf);
  const out: Read = { rows: [], damage: [] };
  for await (const chunk of readSegmentRows(path, { chunkRows: 3, onDamage: (d) => out.damage.push(d) })) out.rows.push(...chunk);
  return out;
}

const events = (r: Read) => r.rows.filter((l) => l.startsWith('{"kind":"event"'));
const quarantined = (r: Read) => r.rows.filter((l) => l.startsWith('{"kind":"failed"')).map((l) => JSON.parse(l) as { reason: string; raw: string; received_at: string });

describe('record envelope', () => {
  it('lays a record out as documented: magic, version, flags, lengths, two CRC-32s, fields, payload', () => {
    const payload = '{"kind":"event"}';
    const buf = encodeRecords([payload], { requestId: 'req-1' });
    const fields = Buffer.concat([Buffer.from([1, 5, 0]), Buffer.from('req-1')]);
    expect([...buf.subarray(0, 4)]).toEqual([0xff, 0x54, 0x4c, 0x53]);
    expect(buf.readUInt8(4)).toBe(1);
    expect(buf.readUInt8(5)).toBe(0);
    expect(buf.readUInt16LE(6)).toBe(fields.length);
    expect(buf.readUInt32LE(8)).toBe(payload.length);
    expect(buf.subarray(20, 20 + fields.length)).toEqual(fields);
    expect(buf.subarray(20 + fields.length).toString()).toBe(payload);
    expect(buf.readUInt32LE(12)).toBe(crc32(buf.subarray(20)));
    expect(buf.readUInt32LE(16)).toBe(crc32(buf.subarray(0, 16)));
    expect(buf.length).toBe(20 + fields.length + payload.length);
  });

  it('carries fields with any text, and skips field ids it does not know (a later version may add some)', async () => {
    const hostile = 'a\u0000b"\\\n\u2028😀'.repeat(50);
    expect(decodeFields(encodeFields({ requestId: hostile, planVersion: 'v7' }))).toEqual({ requestId: hostile, planVersion: 'v7' });
    // A record written by a later version: field 200 unknown here, field 1 known.
    const later = Buffer.concat([Buffer.from([200, 3, 0]), Buffer.from('new'), Buffer.from([1, 2, 0]), Buffer.from('r9')]);
    const payload = Buffer.from(row(1));
    const head = Buffer.alloc(20);
    Buffer.from([0xff, 0x54, 0x4c, 0x53, 1, 0]).copy(head);
    head.writeUInt16LE(later.length, 6);
    head.writeUInt32LE(payload.length, 8);
    head.writeUInt32LE(crc32(Buffer.concat([later, payload])), 12);
    head.writeUInt32LE(crc32(head.subarray(0, 16)), 16);
    await writeFile(join(dir, 'x.seg'), Buffer.concat([head, later, payload]));
    const seg = await openSegment(join(dir, 'x.seg'));
    const items = [];
    for await (const batch of seg.scan()) items.push(...batch);
    await seg.close();
    expect(items).toEqual([{ kind: 'record', offset: 0, end: 20 + later.length + payload.length, text: row(1), fields: { requestId: 'r9' } }]);
  });

  it('refuses fields and rows beyond their limits, naming them', () => {
    expect(() => encodeFields({ planVersion: 'x'.repeat(70_000) })).toThrow(/planVersion: 70000 bytes/);
    expect(() => encodeRecords(['a', 'x'.repeat(MAX_PAYLOAD_BYTES + 1)])).toThrow(/spool row 1: 67108865 bytes/);
  });

  it('sets aside a record of a later envelope version instead of misreading it, and reads on', async () => {
    const { buf, at } = segment(rows(3));
    const [start] = at[1]!;
    buf.writeUInt8(2, start + 4);
    buf.writeUInt32LE(crc32(buf.subarray(start, start + 16)), start + 16);
    const r = await read(buf);
    expect(events(r)).toEqual([row(0), row(2)]);
    expect(r.damage).toEqual([{ segment: '0000000000000007.seg', offset: start, bytes: at[1]![1] - start, cause: 'a record of a later Touchline (version 2, flags 0)' }]);
  });
});

describe('reading a damaged segment', () => {
  it('sets aside a record whose payload fails its checksum, exactly, and keeps every record after it', async () => {
    const { buf, at } = segment(rows(20));
    const original = Buffer.from(buf);
    buf[at[7]![0] + 40] = buf[at[7]![0] + 40]! ^ 0x04; // one bit
    const r = await read(buf);
    expect(events(r)).toEqual(rows(20).filter((_, i) => i !== 7));
    const [q] = quarantined(r);
    expect(q!.reason).toBe(
      `spool damage in segment 0000000000000007.seg at byte offset ${at[7]![0]} (${at[7]![1] - at[7]![0]} bytes): checksum mismatch; raw holds the damaged bytes in base64`,
    );
    expect(Buffer.from(q!.raw, 'base64')).toEqual(buf.subarray(...at[7]!));
    expect(Buffer.from(q!.raw, 'base64')).not.toEqual(original.subarray(...at[7]!));
    // The damaged row keeps its place among the rows.
    expect(r.rows.findIndex((l) => l.startsWith('{"kind":"failed"'))).toBe(7);
  });

  it('finds the next record after a damaged header (a NUL in it), passing over magic bytes inside the damage', async () => {
    const { buf, at } = segment(rows(10));
    buf[at[3]![0] + 8] = 0; // the payload length's low byte
    // A fake header inside the damaged record's payload: magic, then bytes that do not check out.
    Buffer.from([0xff, 0x54, 0x4c, 0x53, 1, 0, 0, 0]).copy(buf, at[3]![0] + 30);
    const r = await read(buf);
    expect(events(r)).toEqual(rows(10).filter((_, i) => i !== 3));
    expect(r.damage).toEqual([{ segment: '0000000000000007.seg', offset: at[3]![0], bytes: at[3]![1] - at[3]![0], cause: 'no record header checks out here' }]);
  });

  it('sets aside a zeroed 4 KiB page spanning records, keeping the records on both sides', async () => {
    const { buf, at } = segment(rows(200));
    buf.fill(0, 4096, 8192);
    const r = await read(buf);
    const hit = at.map(([s, e], i) => (s < 8192 && e > 4096 ? i : -1)).filter((i) => i >= 0);
    expect(hit.length).toBeGreaterThan(1);
    expect(events(r)).toEqual(rows(200).filter((_, i) => !hit.includes(i)));
    const first = at[hit[0]!]![0];
    const last = at[hit[hit.length - 1]!]![1];
    expect(r.damage.map((d) => d.offset)[0]).toBe(first);
    expect(r.damage.reduce((n, d) => n + d.bytes, 0)).toBe(last - first);
    const raw = Buffer.concat(quarantined(r).map((q) => Buffer.from(q.raw, 'base64')));
    expect(raw).toEqual(buf.subarray(first, last));
  });

  it('sets aside the cut-short last record of a truncated sealed segment', async () => {
    const { buf, at } = segment(rows(5));
    const cut = at[4]![0] + 25;
    const r = await read(buf.subarray(0, cut));
    expect(events(r)).toEqual(rows(4));
    expect(r.damage).toEqual([
      { segment: '0000000000000007.seg', offset: at[4]![0], bytes: 25, cause: `the segment ends inside this ${at[4]![1] - at[4]![0]}-byte record` },
    ]);
  });

  it('ends on hostile files: all magic, all zeros, random bytes, a checked header claiming 64 MiB, an empty file', async () => {
    const magic = Buffer.alloc(40_000);
    for (let i = 0; i < magic.length; i += 4) magic.set([0xff, 0x54, 0x4c, 0x53], i);
    let seed = 7;
    const random = Buffer.from(Array.from({ length: 50_000 }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24) & 0xff));
    const huge = Buffer.alloc(20);
    Buffer.from([0xff, 0x54, 0x4c, 0x53, 1, 0]).copy(huge);
    huge.writeUInt32LE(MAX_PAYLOAD_BYTES, 8);
    huge.writeUInt32LE(crc32(huge.subarray(0, 16)), 16);
    for (const bad of [magic, Buffer.alloc(30_000), random, Buffer.concat([huge, Buffer.from(row(1))])]) {
      const r = await read(Buffer.concat([bad, encodeRecords([row(9)])]));
      expect(events(r), `after ${bad.subarray(0, 8).toString('hex')}…`).toEqual([row(9)]);
      expect(r.damage.reduce((n, d) => n + d.bytes, 0)).toBe(bad.length);
    }
    expect(await read(Buffer.alloc(0))).toEqual({ rows: [], damage: [] });
  });

  it('splits a long damaged stretch into rows of at most 1 MiB, each with its own offset', async () => {
    const junk = Buffer.alloc(DAMAGE_ROW_BYTES * 2 + 10, 0x41);
    const r = await read(Buffer.concat([encodeRecords([row(1)]), junk, encodeRecords([row(2)])]));
    expect(events(r)).toEqual([row(1), row(2)]);
    const first = encodeRecords([row(1)]).length;
    expect(r.damage.map((d) => [d.offset, d.bytes])).toEqual([
      [first, DAMAGE_ROW_BYTES],
      [first + DAMAGE_ROW_BYTES, DAMAGE_ROW_BYTES],
      [first + 2 * DAMAGE_ROW_BYTES, 10],
    ]);
  });

  it('reads across 1 MiB read steps: records straddling them, a record longer than one, damage past the first', async () => {
    const big = (i: number, n: number) => JSON.stringify({ kind: 'event', message_id: `big-${i}`, pad: 'y'.repeat(n) });
    const lines = [...Array.from({ length: 700 }, (_, i) => big(i, 1500 + (i % 37))), big(700, 3 * 1024 * 1024), ...rows(50)];
    const { buf, at } = segment(lines);
    const hit = at.findIndex(([s]) => s > 1_600_000);
    buf[at[hit]![0] + 50] = buf[at[hit]![0] + 50]! ^ 0x01;
    const r = await read(buf);
    expect(r.rows.filter((l) => !l.startsWith('{"kind":"failed"'))).toEqual(lines.filter((_, i) => i !== hit));
    expect(r.damage.map((d) => [d.offset, d.bytes])).toEqual([[at[hit]![0], at[hit]![1] - at[hit]![0]]]);
    // The same rows as lines, as an earlier version wrote them, with one line longer than a step.
    const path = join(dir, '0000000000000008.seg');
    await writeFile(path, lines.join('\n') + '\n');
    const back: string[] = [];
    for await (const chunk of readSegmentRows(path)) back.push(...chunk);
    expect(back).toEqual(lines);
  });

  it('gives every read of a segment the same quarantine rows (a replayed batch stores them once)', async () => {
    const { buf, at } = segment(rows(4));
    buf[at[2]![0] + 30] = buf[at[2]![0] + 30]! ^ 1;
    const a = await read(buf);
    const b: string[] = [];
    for await (const chunk of readSegmentRows(join(dir, '0000000000000007.seg'))) b.push(...chunk);
    expect(b).toEqual(a.rows);
    expect(quarantined(a)[0]!.received_at).toMatch(/^\d{4}-\d\d-\d\dT/);
  });
});

describe('repairing an interrupted segment', () => {
  const openSeg = async (buf: Buffer) => {
    const path = join(dir, '0000000000000009.open');
    await writeFile(path, buf);
    return path;
  };

  it('cuts a torn last record (never acknowledged), without setting it aside', async () => {
    const { buf, at } = segment(rows(6));
    const path = await openSeg(buf.subarray(0, at[5]![0] + 11));
    expect(await repairSegment(path)).toEqual({ bytes: at[5]![0], dropped: 1, cutBytes: 11, damagedBytes: 0 });
    expect((await readFile(path)).equals(buf.subarray(0, at[5]![0]))).toBe(true);
  });

  it('cuts zeros after the last record (a file extended but never written), and a remnant too short for a header', async () => {
    const { buf } = segment(rows(3));
    const long = encodeRecords([JSON.stringify({ kind: 'event', message_id: 'long', pad: 'x'.repeat(2000) })]);
    for (const tail of [Buffer.alloc(4096), Buffer.from([0xff, 0x54, 0x4c]), Buffer.concat([long.subarray(0, 300), Buffer.alloc(900)])]) {
      const path = await openSeg(Buffer.concat([buf, tail]));
      expect(await repairSegment(path)).toMatchObject({ bytes: buf.length, cutBytes: tail.length, damagedBytes: 0 });
    }
  });

  it('keeps damage before valid records, and a complete damaged last record, for the reader to set aside', async () => {
    const { buf, at } = segment(rows(8));
    buf[at[2]![0] + 50] = buf[at[2]![0] + 50]! ^ 0x10;
    buf[at[7]![0] + 60] = 0;
    const path = await openSeg(buf);
    expect(await repairSegment(path)).toEqual({
      bytes: buf.length,
      dropped: 0,
      cutBytes: 0,
      damagedBytes: at[2]![1] - at[2]![0] + at[7]![1] - at[7]![0],
    });
  });
});
