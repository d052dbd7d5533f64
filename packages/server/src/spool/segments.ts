import { open, readdir, rename, rm, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Spool segment files. A segment is a file of newline-terminated JSON rows: `<seq>.open` while it
 * is being appended to, renamed to `<seq>.seg` when sealed (rename is atomic). Sequence numbers
 * only grow, and the loader's checkpoint is the last sequence it committed.
 */
export const OPEN_SUFFIX = '.open';
export const SEALED_SUFFIX = '.seg';

export interface SegmentFile {
  readonly seq: number;
  readonly path: string;
  readonly bytes: number;
}

export function segmentName(seq: number, suffix: string): string {
  return String(seq).padStart(16, '0') + suffix;
}

export async function listSegments(
  dir: string,
): Promise<{ sealed: SegmentFile[]; open: SegmentFile[] }> {
  const sealed: SegmentFile[] = [];
  const opened: SegmentFile[] = [];
  for (const name of await readdir(dir)) {
    const m = /^(\d{16})(\.open|\.seg)$/.exec(name);
    if (!m) continue;
    const path = join(dir, name);
    const info = await stat(path);
    const f = { seq: Number(m[1]), path, bytes: info.size };
    (m[2] === SEALED_SUFFIX ? sealed : opened).push(f);
  }
  const bySeq = (a: SegmentFile, b: SegmentFile) => a.seq - b.seq;
  return { sealed: sealed.sort(bySeq), open: opened.sort(bySeq) };
}

/**
 * Makes an interrupted segment whole: keeps the longest prefix of complete, parseable lines and
 * cuts the rest. Only rows that were never acknowledged can be cut: an acknowledgement waits for
 * fsync of the whole group that contains it. Returns the bytes kept and lines dropped.
 */
export async function repairSegment(path: string): Promise<{ bytes: number; dropped: number }> {
  const fh = await open(path, 'r');
  let buf: Buffer;
  try {
    buf = await fh.readFile();
  } finally {
    await fh.close();
  }
  let keep = 0;
  let dropped = 0;
  let pos = 0;
  while (pos < buf.length) {
    const nl = buf.indexOf(10, pos);
    if (nl < 0) {
      dropped++;
      break;
    }
    const line = buf.subarray(pos, nl).toString('utf8');
    if (!isRow(line)) {
      dropped += 1 + countLines(buf, nl + 1);
      break;
    }
    keep = nl + 1;
    pos = nl + 1;
  }
  if (keep < buf.length) await truncate(path, keep);
  return { bytes: keep, dropped };
}

function isRow(line: string): boolean {
  if (!line.startsWith('{"kind":')) return false;
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}

function countLines(buf: Buffer, from: number): number {
  let n = 0;
  for (let i = buf.indexOf(10, from); i >= 0; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

export async function sealFile(dir: string, seq: number): Promise<string> {
  const to = join(dir, segmentName(seq, SEALED_SUFFIX));
  await rename(join(dir, segmentName(seq, OPEN_SUFFIX)), to);
  return to;
}

export async function removeFile(path: string): Promise<void> {
  await rm(path, { force: true });
}
