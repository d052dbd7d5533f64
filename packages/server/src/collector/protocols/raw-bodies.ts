import type { FastifyInstance } from 'fastify';
import { gunzipSync } from 'node:zlib';
import { ClientError, describeJsonError } from '../../http/client-error.js';

/**
 * Other protocols' bodies are not always JSON text: posthog-js posts gzip bytes labelled
 * `text/plain` (no Content-Encoding) or a form field of base64, Snowplow's pixel has none. In a
 * protocol's own fastify context, every body is taken as bytes and its routes decode it the way
 * that protocol does. (`Content-Encoding: gzip` / `deflate` is still undone before, by the app's
 * hook, and the route's body limit counts the decoded bytes.)
 */
export function acceptRawBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
}

/** The request's body bytes (empty when it sent none). */
export function bodyBytes(body: unknown): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.alloc(0);
}

/** JSON text → a value; a ClientError that says where it broke otherwise (with the text, to quarantine). */
export function parseJsonText(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, message: describeJsonError(err as Error, text) };
  }
}

export const isGzip = (b: Buffer): boolean => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

/** Gunzips bytes that say they are gzip, never past `limit` decoded bytes (a small bomb is a 413). */
export function gunzipBounded(b: Buffer, limit: number): Buffer {
  try {
    return gunzipSync(b, { maxOutputLength: limit });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ClientError(413, 'payload_too_large', `the decompressed body is larger than ${limit} bytes`, { limitBytes: limit });
    }
    throw new ClientError(400, 'bad_encoding', `the body starts as gzip but is not valid gzip data (${(err as Error).message})`);
  }
}

/**
 * Base64 as the vendors send it: standard or URL-safe alphabet, padded or not (Snowplow's
 * tracker strips the padding). Refuses anything else instead of decoding it loosely, as Node's
 * decoder would (it skips invalid characters).
 */
export function decodeBase64Strict(text: string): Buffer | null {
  const s = text.trim();
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(s)) return null;
  const bare = s.replace(/=+$/, '');
  if (bare.length % 4 === 1) return null;
  return Buffer.from(bare.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}
