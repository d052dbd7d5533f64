import { crc32, inflateRawSync } from 'node:zlib';

/**
 * The one file inside a Microsoft Advertising report download (a ZIP holding one CSV,
 * reporting-and-spend.md §B5), read with Node's zlib: the archive's central directory names the
 * entry, which is stored or deflated. No dependency is needed for one entry, and a small reader
 * checks what matters: one entry, a known method, the declared size (which caps inflation) and
 * the CRC. Anything else is an error string, for the caller to report as a contract break.
 */
const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** Reports past this size are refused rather than inflated into memory. */
export const MAX_REPORT_BYTES = 256 * 1024 * 1024;

export function unzipSingleFile(zip: Buffer): { ok: true; name: string; data: Buffer } | { ok: false; reason: string } {
  // The end-of-central-directory record is last, after an optional comment of up to 65,535 bytes.
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 65_535); i--) {
    if (zip.readUInt32LE(i) === EOCD) {
      end = i;
      break;
    }
  }
  if (end < 0) return { ok: false, reason: 'the download is not a ZIP archive' };
  const entries = zip.readUInt16LE(end + 10);
  const central = zip.readUInt32LE(end + 16);
  if (entries !== 1) return { ok: false, reason: `the ZIP holds ${entries} files, not one report` };
  if (central + 46 > zip.length || zip.readUInt32LE(central) !== CENTRAL) return { ok: false, reason: 'the ZIP central directory is damaged' };
  const method = zip.readUInt16LE(central + 10);
  const crc = zip.readUInt32LE(central + 16);
  const packed = zip.readUInt32LE(central + 20);
  const size = zip.readUInt32LE(central + 24);
  const name = zip.subarray(central + 46, central + 46 + zip.readUInt16LE(central + 28)).toString('utf8');
  const local = zip.readUInt32LE(central + 42);
  if (packed === 0xffffffff || size === 0xffffffff || size > MAX_REPORT_BYTES) return { ok: false, reason: `the report ${name} is larger than ${MAX_REPORT_BYTES} bytes` };
  if (local + 30 > zip.length || zip.readUInt32LE(local) !== LOCAL) return { ok: false, reason: 'the ZIP local header is damaged' };
  const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
  if (start + packed > zip.length) return { ok: false, reason: 'the ZIP is cut short' };
  const raw = zip.subarray(start, start + packed);
  let data: Buffer;
  try {
    if (method === 0) data = raw;
    else if (method === 8) data = inflateRawSync(raw, { maxOutputLength: Math.max(1, size) });
    else return { ok: false, reason: `the ZIP entry uses compression method ${method}` };
  } catch (error) {
    return { ok: false, reason: `the ZIP entry does not inflate: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (data.length !== size || crc32(data) !== crc) return { ok: false, reason: `the report ${name} fails its size or CRC check` };
  return { ok: true, name, data };
}
