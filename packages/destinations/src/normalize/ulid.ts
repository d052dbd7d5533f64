import { createHash } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A ULID (https://github.com/ulid/spec: 48-bit millisecond time + 80 bits, Crockford base32)
 * whose 80 "random" bits are the SHA-256 of `key`: the same row always gets the same id, so a
 * vendor that dedups on it (Customer.io event `id`, activation-contracts.md §8.2) counts a
 * resend once, and ids still sort by time.
 */
export function deterministicUlid(timeMs: number, key: string): string {
  let time = Math.max(0, Math.min(Math.floor(timeMs), 2 ** 48 - 1));
  let out = '';
  for (let i = 0; i < 10; i++) {
    out = CROCKFORD[time % 32]! + out;
    time = Math.floor(time / 32);
  }
  const bytes = createHash('sha256').update(key, 'utf8').digest().subarray(0, 10);
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let rand = '';
  for (let i = 0; i < 16; i++) {
    rand = CROCKFORD[Number(bits & 31n)]! + rand;
    bits >>= 5n;
  }
  return out + rand;
}
