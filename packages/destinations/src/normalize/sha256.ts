import { createHash } from 'node:crypto';

/** SHA-256 of the UTF-8 bytes, lowercase hex: the encoding every vendor here documents. */
export const sha256Hex = (value: string): string =>
  createHash('sha256').update(value, 'utf8').digest('hex');

/** What every stand-in and vendor checks: exactly 64 lowercase hex characters. */
export const isSha256Hex = (value: unknown): value is string =>
  typeof value === 'string' && /^[0-9a-f]{64}$/.test(value);

/**
 * Hashes a normalised value, or passes through a value that is already a SHA-256 (a pre-hashed
 * warehouse column), lowercased. Meta's SDK does the same so nothing is hashed twice
 * (activation-contracts.md §2.4).
 */
export const hashNormalized = (normalized: string): string =>
  /^[0-9a-fA-F]{64}$/.test(normalized) ? normalized.toLowerCase() : sha256Hex(normalized);
