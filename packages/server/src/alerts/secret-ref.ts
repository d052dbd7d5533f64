import { resolveSecretRef, type SecretSources } from '../connections/secret-refs.js';

export type { SecretSources };

/** A reference that cannot be resolved: the message names the reference, never a value. */
export class SecretRefError extends Error {
  override readonly name = 'SecretRefError';
}

/**
 * Resolves `env:NAME` or `file:/path` at the moment of use (an alert's webhook URL or SMTP
 * password), by the destinations' rules (connections/secret-refs.ts), so one reference works in
 * both places; throws where those rules return an error.
 */
export function resolveSecret(ref: string, src: SecretSources): string {
  const r = resolveSecretRef(ref, src);
  if (!r.ok) throw new SecretRefError(r.error);
  return r.value;
}
