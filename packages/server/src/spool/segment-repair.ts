import { readFile, truncate } from 'node:fs/promises';
import { bufferSource } from './file-window.js';
import { HEADER_BYTES } from './record-format.js';
import { SegmentFormat, formatOf, scanFramed, type ScanItem } from './segment-scan.js';

export interface RepairResult {
  /** Bytes kept. */
  readonly bytes: number;
  /** Interrupted rows cut (a torn framed tail counts as one: its rows cannot be told apart). */
  readonly dropped: number;
  /** Bytes cut from the end. */
  readonly cutBytes: number;
  /** Damaged bytes kept in the segment, which the reader sets aside in failed_events when it loads. */
  readonly damagedBytes: number;
}

/**
 * Makes a segment interrupted by a crash whole before it is sealed. Only what a crash during a
 * write leaves is cut: an acknowledgement waits for fdatasync of the whole group that holds it,
 * so bytes of a write that never completed were never acknowledged.
 *
 * Framed segments keep every valid record, wherever it is. After the last one, trailing zero
 * bytes (a file extended but never written), a remnant too short to hold a record, and a last
 * record whose checked header says it runs past the end are cut; anything else there is damage
 * to acknowledged bytes and stays, for the reader to set aside. Damage before the last valid
 * record always stays. Segments of the earlier line format are cut at the first unreadable line,
 * as that version did.
 */
export async function repairSegment(path: string): Promise<RepairResult> {
  const data = await readFile(path);
  const r = formatOf(data) === SegmentFormat.Lines ? repairLines(data) : await repairFramed(data);
  if (r.bytes < data.length) await truncate(path, r.bytes);
  return r;
}

async function repairFramed(data: Buffer): Promise<RepairResult> {
  const items: ScanItem[] = [];
  let lastGood = 0;
  for await (const batch of scanFramed(bufferSource(data))) {
    for (const item of batch) {
      if (item.kind === 'record') lastGood = item.end;
      else items.push(item);
    }
  }
  const keep = await tornTailStart(data, lastGood);
  let damagedBytes = 0;
  for (const d of items) damagedBytes += Math.max(0, Math.min(d.end, keep) - d.offset);
  return { bytes: keep, dropped: keep < data.length ? 1 : 0, cutBytes: data.length - keep, damagedBytes };
}

/** Where the leftovers of an interrupted write start, after the last valid record at `lastGood`. */
async function tornTailStart(data: Buffer, lastGood: number): Promise<number> {
  let end = data.length;
  while (end > lastGood && data[end - 1] === 0) end--;
  if (end - lastGood < HEADER_BYTES) return lastGood;
  let last: ScanItem | undefined;
  for await (const batch of scanFramed(bufferSource(data.subarray(lastGood, end)))) last = batch[batch.length - 1];
  if (last?.kind === 'damage' && last.truncated) return lastGood + last.offset;
  return end;
}

/** The earlier line format's repair: the longest prefix of complete, parseable lines. */
function repairLines(buf: Buffer): RepairResult {
  let keep = 0;
  let dropped = 0;
  let pos = 0;
  while (pos < buf.length) {
    const nl = buf.indexOf(10, pos);
    if (nl < 0) {
      dropped++;
      break;
    }
    if (!isRow(buf.subarray(pos, nl).toString('utf8'))) {
      dropped += 1 + countLines(buf, nl + 1);
      break;
    }
    keep = nl + 1;
    pos = nl + 1;
  }
  return { bytes: keep, dropped, cutBytes: buf.length - keep, damagedBytes: 0 };
}

function isRow(line: string): boolean {
  if (!line.startsWith('{"kind":')) return false;
  try {
    JSON.parse(line);
    return true;
  } catch {
    // Not JSON: a line cut by the crash, which the repair drops.
    return false;
  }
}

function countLines(buf: Buffer, from: number): number {
  let n = 0;
  for (let i = buf.indexOf(10, from); i >= 0; i = buf.indexOf(10, i + 1)) n++;
  return n;
}
