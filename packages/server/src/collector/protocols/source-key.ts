import type { SourceRegistry } from '../../sources/sources.js';
import type { Source } from '../../warehouse/warehouse.js';

/**
 * A write key as another protocol sends it (Amplitude's `api_key`, PostHog's `api_key` / `token`,
 * Snowplow's `aid` or path, a postback's path or header), resolved to its source. Each protocol
 * answers a missing, unknown or revoked key in its own words, so this returns which it is.
 */
export type KeyLookup =
  | { readonly ok: true; readonly source: Source }
  | { readonly ok: false; readonly why: 'missing' | 'unknown' | 'revoked' };

export function lookUpKey(sources: SourceRegistry, key: unknown): KeyLookup {
  if (typeof key !== 'string' || key === '') return { ok: false, why: 'missing' };
  const source = sources.byWriteKey(key);
  if (source) return { ok: true, source };
  return { ok: false, why: sources.isRevoked(key) ? 'revoked' : 'unknown' };
}

/** Touchline's sentence for a failed lookup, naming where the protocol takes its key. */
export function keyProblem(why: 'missing' | 'unknown' | 'revoked', where: string): string {
  if (why === 'missing') return `no write key: send it as ${where}`;
  return why === 'revoked' ? 'this write key was revoked' : 'unknown write key';
}
