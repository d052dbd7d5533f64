import { crc32 } from 'node:zlib';

/**
 * The spool's record envelope, version 1 (docs/spool.md).
 *
 * A framed segment is a sequence of records and nothing else; each record is a fixed 20-byte
 * header, an optional field section and the payload (one JSON `SpoolRow`, UTF-8). Integers are
 * little-endian.
 *
 * ```
 * offset size  field
 *  0     4     magic          FF 54 4C 53 ("\xffTLS"; 0xFF never occurs in UTF-8 text)
 *  4     1     version        1
 *  5     1     flags          0 (bits reserved for later versions)
 *  6     2     fieldsLength   bytes of the field section (u16)
 *  8     4     payloadLength  bytes of the payload (u32, at most MAX_PAYLOAD_BYTES)
 * 12     4     bodyCrc        CRC-32 (zlib's) of field section + payload
 * 16     4     headerCrc      CRC-32 of bytes 0..15, bodyCrc included
 * 20     …     field section: entries of { id u8, length u16, value (UTF-8) }
 *   …     …     payload
 * ```
 *
 * Why two checksums: a header that checks out gives trustworthy lengths, so a damaged payload is
 * set aside exactly (its record's bytes, no more) and reading resumes right after it; when a
 * header itself is damaged, the reader looks for the next magic whose header checks out, and a
 * magic found by chance inside damaged bytes fails its header checksum.
 *
 * Adding metadata never breaks the format: a new field gets a new id in {@link FIELD_IDS}, and a
 * reader skips ids it does not know. `version` changes only for a change older readers cannot
 * skip; they set such records aside in `failed_events` (raw bytes kept) instead of guessing.
 */
export const MAGIC = Buffer.from([0xff, 0x54, 0x4c, 0x53]);
export const RECORD_VERSION = 1;
export const HEADER_BYTES = 20;
/** Largest payload a record may hold (DuckDB's `maximum_object_size` for one JSON row). */
export const MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;
const MAX_FIELDS_BYTES = 0xffff;

/** Optional metadata carried beside a record's payload. */
export interface RecordFields {
  /** The HTTP request that produced the row (one id through collector, spool and loader logs). */
  readonly requestId?: string;
  /** Version of the tracking plan that judged the event. */
  readonly planVersion?: string;
}

/** Field ids on disk. Ids are never reused; readers skip ids they do not know. */
export const FIELD_IDS = { requestId: 1, planVersion: 2 } as const satisfies Record<keyof RecordFields, number>;

const NO_FIELDS: RecordFields = Object.freeze({});
const EMPTY = Buffer.alloc(0);

export interface RecordHeader {
  readonly version: number;
  readonly flags: number;
  readonly fieldsLength: number;
  readonly payloadLength: number;
  readonly bodyCrc: number;
  /** Header + fields + payload. */
  readonly recordBytes: number;
}

/** The field section for `fields` (empty when none is set). */
export function encodeFields(fields: RecordFields | undefined): Buffer {
  if (!fields) return EMPTY;
  const parts: Buffer[] = [];
  for (const [name, id] of Object.entries(FIELD_IDS) as [keyof RecordFields, number][]) {
    const value = fields[name];
    if (value === undefined) continue;
    const bytes = Buffer.from(value, 'utf8');
    if (bytes.length > MAX_FIELDS_BYTES) throw new RangeError(`spool record field ${name}: ${bytes.length} bytes, at most ${MAX_FIELDS_BYTES}`);
    const head = Buffer.alloc(3);
    head.writeUInt8(id, 0);
    head.writeUInt16LE(bytes.length, 1);
    parts.push(head, bytes);
  }
  const out = Buffer.concat(parts);
  if (out.length > MAX_FIELDS_BYTES) throw new RangeError(`spool record fields: ${out.length} bytes together, at most ${MAX_FIELDS_BYTES}`);
  return out;
}

/** The fields of a field section; ids this version does not know are skipped. */
export function decodeFields(section: Buffer): RecordFields {
  if (section.length === 0) return NO_FIELDS;
  const out: { -readonly [K in keyof RecordFields]: string } = {};
  const names = new Map<number, keyof RecordFields>(
    (Object.entries(FIELD_IDS) as [keyof RecordFields, number][]).map(([name, id]) => [id, name]),
  );
  let pos = 0;
  while (pos + 3 <= section.length) {
    const id = section.readUInt8(pos);
    const length = section.readUInt16LE(pos + 1);
    const end = pos + 3 + length;
    if (end > section.length) break; // checksummed, so written this way by a later version: keep what was read
    const name = names.get(id);
    if (name) out[name] = section.toString('utf8', pos + 3, end);
    pos = end;
  }
  return out;
}

/**
 * One buffer holding a record per line, all with the same fields: the spool writes it with one
 * write and one fdatasync, as it wrote the unframed lines before. Throws RangeError for a line
 * longer than {@link MAX_PAYLOAD_BYTES}.
 */
export function encodeRecords(lines: readonly string[], fields?: RecordFields): Buffer {
  const section = encodeFields(fields);
  const lengths = new Array<number>(lines.length);
  let total = 0;
  for (let i = 0; i < lines.length; i++) {
    const n = Buffer.byteLength(lines[i]!, 'utf8');
    if (n > MAX_PAYLOAD_BYTES) throw new RangeError(`spool row ${i}: ${n} bytes, at most ${MAX_PAYLOAD_BYTES}`);
    lengths[i] = n;
    total += HEADER_BYTES + section.length + n;
  }
  const buf = Buffer.allocUnsafe(total);
  let pos = 0;
  for (let i = 0; i < lines.length; i++) {
    const body = pos + HEADER_BYTES;
    const payloadLength = lengths[i]!;
    if (section.length > 0) section.copy(buf, body);
    buf.write(lines[i]!, body + section.length, payloadLength, 'utf8');
    const end = body + section.length + payloadLength;
    writeHeader(buf, pos, section.length, payloadLength, crc32(buf.subarray(body, end)));
    pos = end;
  }
  return buf;
}

function writeHeader(buf: Buffer, at: number, fieldsLength: number, payloadLength: number, bodyCrc: number): void {
  MAGIC.copy(buf, at);
  buf.writeUInt8(RECORD_VERSION, at + 4);
  buf.writeUInt8(0, at + 5);
  buf.writeUInt16LE(fieldsLength, at + 6);
  buf.writeUInt32LE(payloadLength, at + 8);
  buf.writeUInt32LE(bodyCrc, at + 12);
  buf.writeUInt32LE(headerCrc(buf, at), at + 16);
}

// CRC-32 (the polynomial zlib uses) of a 16-byte header, by table in JS: for so few bytes a call
// into zlib costs several times more than the arithmetic.
const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

function headerCrc(buf: Buffer, at: number): number {
  let c = -1;
  for (let i = at; i < at + 16; i++) c = CRC_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** The header at `at` if its magic and checksum are right (lengths can then be trusted), else null. */
export function readHeader(buf: Buffer, at: number): RecordHeader | null {
  if (at + HEADER_BYTES > buf.length) return null;
  if (buf[at] !== 0xff || buf[at + 1] !== 0x54 || buf[at + 2] !== 0x4c || buf[at + 3] !== 0x53) return null;
  if (headerCrc(buf, at) !== buf.readUInt32LE(at + 16)) return null;
  const fieldsLength = buf.readUInt16LE(at + 6);
  const payloadLength = buf.readUInt32LE(at + 8);
  if (payloadLength > MAX_PAYLOAD_BYTES) return null;
  return {
    version: buf.readUInt8(at + 4),
    flags: buf.readUInt8(at + 5),
    fieldsLength,
    payloadLength,
    bodyCrc: buf.readUInt32LE(at + 12),
    recordBytes: HEADER_BYTES + fieldsLength + payloadLength,
  };
}

/** Whether the body (fields + payload) of a record matches its header's checksum. */
export function bodyIntact(header: RecordHeader, body: Buffer): boolean {
  return crc32(body) === header.bodyCrc;
}
