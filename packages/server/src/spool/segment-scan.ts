import { isUtf8 } from 'node:buffer';
import { open } from 'node:fs/promises';
import { fileWindow, type ByteSource } from './file-window.js';
import {
  HEADER_BYTES,
  MAGIC,
  MAX_PAYLOAD_BYTES,
  RECORD_VERSION,
  bodyIntact,
  decodeFields,
  readHeader,
  type RecordFields,
} from './record-format.js';

/**
 * Reading a segment record by record, keeping every valid record whatever surrounds it. Damaged
 * bytes come out as `damage` items at their byte offset, in file order, for the caller to set
 * aside; reading always moves forward, so it ends on any input.
 */
export const SegmentFormat = {
  /** Checksummed records (record-format.ts): what the spool writes. */
  Framed: 'framed',
  /** Newline-terminated JSON rows, unchecked: what earlier versions wrote. */
  Lines: 'ndjson',
} as const;
export type SegmentFormat = (typeof SegmentFormat)[keyof typeof SegmentFormat];

export type ScanItem =
  | {
      readonly kind: 'record';
      readonly offset: number;
      readonly end: number;
      /** The payload: one JSON row. */
      readonly text: string;
      readonly fields: RecordFields;
    }
  | {
      readonly kind: 'damage';
      readonly offset: number;
      readonly end: number;
      readonly raw: Buffer;
      /** Why these bytes could not be read, in words. */
      readonly cause: string;
      /** A record whose header checks out but whose bytes run past the end of the file. */
      readonly truncated: boolean;
    };

/** Damaged bytes handed out per item while looking for the next record: bounds memory. */
const MAX_GAP_BYTES = 1024 * 1024;
/** Bytes looked at per step: the records wholly inside are read with no further wait. */
const STEP_BYTES = 1024 * 1024;
// Every row earlier versions wrote starts so (JSON.stringify of a SpoolRow).
const LINE_PREFIX = Buffer.from('{"kind":');
const NO_FIELDS: RecordFields = Object.freeze({});

/** A segment's format, from its first bytes: a framed segment cannot start like a JSON row. */
export function formatOf(head: Buffer): SegmentFormat {
  return head.length >= LINE_PREFIX.length && head.subarray(0, LINE_PREFIX.length).equals(LINE_PREFIX)
    ? SegmentFormat.Lines
    : SegmentFormat.Framed;
}

export interface OpenedSegment {
  readonly format: SegmentFormat;
  readonly size: number;
  /** Last write to the file: a sealed segment never changes, so this is stable across reads. */
  readonly mtime: Date;
  /** The segment's records and damaged stretches, in file order, a step's worth at a time. */
  scan(): AsyncGenerator<ScanItem[]>;
  close(): Promise<void>;
}

export async function openSegment(path: string): Promise<OpenedSegment> {
  const fh = await open(path, 'r');
  try {
    const info = await fh.stat();
    const src = fileWindow(fh, info.size);
    const format = formatOf(await src.bytes(0, LINE_PREFIX.length));
    return {
      format,
      size: info.size,
      mtime: info.mtime,
      scan: () => (format === SegmentFormat.Lines ? scanLines(src) : scanFramed(src)),
      close: () => fh.close(),
    };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/**
 * The records and damaged stretches of a framed segment. A record that does not check out is
 * damage up to the next header that does: normally its own end (the lengths of a header that
 * checks out are right), and never past a valid record, even where a header lies about its length.
 */
export async function* scanFramed(src: ByteSource): AsyncGenerator<ScanItem[]> {
  let pos = 0;
  while (pos < src.size) {
    const items = recordsIn(await src.bytes(pos, STEP_BYTES), pos);
    const item = items.length > 0 ? null : await itemAt(src, pos);
    if (item) items.push(item);
    yield items;
    pos = items[items.length - 1]!.end;
  }
}

/** The valid records following one another from the start of `buf` (at file offset `base`). */
function recordsIn(buf: Buffer, base: number): ScanItem[] {
  const items: ScanItem[] = [];
  for (let at = 0; ; ) {
    const header = readHeader(buf, at);
    if (!header || at + header.recordBytes > buf.length || header.version !== RECORD_VERSION || header.flags !== 0) break;
    const body = buf.subarray(at + HEADER_BYTES, at + header.recordBytes);
    if (!bodyIntact(header, body)) break;
    items.push(record(base + at, header.fieldsLength, body));
    at += header.recordBytes;
  }
  return items;
}

/** The one item at `pos` where valid records stop: damage, a record of a later version, or one longer than a step. */
async function itemAt(src: ByteSource, pos: number): Promise<ScanItem> {
  const header = readHeader(await src.bytes(pos, HEADER_BYTES), 0);
  let cause = 'no record header checks out here';
  let truncated = false;
  if (header) {
    const bytes = await src.bytes(pos, header.recordBytes);
    truncated = bytes.length < header.recordBytes;
    const body = bytes.subarray(HEADER_BYTES);
    if (!truncated && bodyIntact(header, body)) {
      if (header.version === RECORD_VERSION && header.flags === 0) return record(pos, header.fieldsLength, body);
      // Intact, but laid out by a later version: kept aside rather than misread.
      return damage(pos, bytes, `a record of a later Touchline (version ${header.version}, flags ${header.flags})`, false);
    }
    cause = truncated ? `the segment ends inside this ${header.recordBytes}-byte record` : 'checksum mismatch';
  }
  return damage(pos, await gapAt(src, pos), cause, truncated);
}

function record(offset: number, fieldsLength: number, body: Buffer): ScanItem {
  return {
    kind: 'record',
    offset,
    end: offset + HEADER_BYTES + body.length,
    text: body.toString('utf8', fieldsLength),
    fields: fieldsLength > 0 ? decodeFields(body.subarray(0, fieldsLength)) : NO_FIELDS,
  };
}

/**
 * The damaged bytes from `pos` up to the next header that checks out (at most MAX_GAP_BYTES; the
 * scan goes on from there). A magic inside the damage fails its header checksum and is passed over.
 */
async function gapAt(src: ByteSource, pos: number): Promise<Buffer> {
  const limit = Math.min(src.size, pos + MAX_GAP_BYTES);
  // A header starting before `limit` is read whole.
  const buf = await src.bytes(pos, limit - pos + HEADER_BYTES - 1);
  for (let at = buf.indexOf(MAGIC, 1); at >= 0 && pos + at < limit; at = buf.indexOf(MAGIC, at + 1)) {
    if (readHeader(buf, at)) return buf.subarray(0, at);
  }
  return buf.subarray(0, limit - pos);
}

/** The rows of a segment written by an earlier version, one per line; unreadable lines as damage. */
export async function* scanLines(src: ByteSource): AsyncGenerator<ScanItem[]> {
  let pos = 0;
  while (pos < src.size) {
    const buf = await src.bytes(pos, STEP_BYTES);
    const items: ScanItem[] = [];
    let at = 0;
    for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10, at)) {
      if (nl > at) items.push(lineItem(buf.subarray(at, nl), pos + at));
      at = nl + 1;
    }
    if (at === 0) {
      // No newline within a step: a long line, or the last one without its newline.
      const { line, next } = await lineAt(src, pos);
      if (line.length > 0) items.push(lineItem(line, pos));
      at = next - pos;
    }
    if (items.length > 0) yield items;
    pos += at;
  }
}

async function lineAt(src: ByteSource, pos: number): Promise<{ line: Buffer; next: number }> {
  for (let want = 64 * 1024; ; want *= 4) {
    const buf = await src.bytes(pos, want);
    const nl = buf.indexOf(10);
    if (nl >= 0) return { line: buf.subarray(0, nl), next: pos + nl + 1 };
    // At the end of the file, or longer than any row can be: what there is, as one line.
    if (pos + buf.length >= src.size || want >= MAX_PAYLOAD_BYTES) return { line: buf, next: pos + buf.length };
  }
}

// JSON.stringify escapes every control character, so a raw one (a NUL, say) is damage.
const CONTROL = /[\u0000-\u001f]/;

/** A line earlier versions could have written (valid UTF-8, one JSON row, no raw control character) as a record, else damage. */
function lineItem(line: Buffer, offset: number): ScanItem {
  const text =
    line[line.length - 1] === 0x7d && line.subarray(0, LINE_PREFIX.length).equals(LINE_PREFIX) && isUtf8(line) ? line.toString('utf8') : null;
  if (text === null || CONTROL.test(text)) return damage(offset, line, 'not a row as the earlier line format wrote them', false);
  return { kind: 'record', offset, end: offset + line.length, text, fields: NO_FIELDS };
}

function damage(offset: number, raw: Buffer, cause: string, truncated: boolean): ScanItem {
  return { kind: 'damage', offset, end: offset + raw.length, raw, cause, truncated };
}
