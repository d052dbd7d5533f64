import { readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Spool segment files. A segment is a file of checksummed records (record-format.ts; earlier
 * versions wrote newline-terminated JSON rows, still read): `<seq>.open` while it is being
 * appended to, renamed to `<seq>.seg` when sealed (rename is atomic). Sequence numbers only
 * grow, and the loader's checkpoint is the last sequence it committed.
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

export async function sealFile(dir: string, seq: number): Promise<string> {
  const to = join(dir, segmentName(seq, SEALED_SUFFIX));
  await rename(join(dir, segmentName(seq, OPEN_SUFFIX)), to);
  return to;
}

export async function removeFile(path: string): Promise<void> {
  await rm(path, { force: true });
}
