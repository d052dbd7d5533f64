import { parseBody } from '../../http/request.js';
import { silentLogger } from '../../contract/context.js';
import type { GrantResult } from '../refresh-grant.js';
import type { OAuthCaps } from './oauth-caps.js';
import { classifyTokenError, type TokenErrorAdvice } from './token-errors.js';

/** One token-endpoint call: where, what form fields, which vendor (for messages). */
export interface TokenCall {
  readonly provider: string;
  readonly url: string;
  readonly form: Readonly<Record<string, string | undefined>>;
  readonly advice?: TokenErrorAdvice;
}

const seconds = (v: unknown): number | undefined => {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
};

/**
 * POSTs an `application/x-www-form-urlencoded` grant (RFC 6749 §4.1.3, §6; client credentials
 * in the body) and reads the token answer. Every failure is a value; token values are never
 * logged.
 */
export async function callTokenEndpoint(caps: OAuthCaps, call: TokenCall): Promise<GrantResult> {
  const log = caps.logger ?? silentLogger;
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(call.form)) if (v !== undefined) form.set(k, v);
  let status: number;
  let headers: { get(name: string): string | null };
  let body: unknown;
  try {
    const res = await caps.fetch(call.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
    });
    status = res.status;
    headers = res.headers;
    body = parseBody(await res.text());
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log.warn('token endpoint unreachable', { provider: call.provider, error: message });
    return { ok: false, failure: { kind: 'transient', provider: call.provider, code: 'NETWORK', reason: `the ${call.provider} token endpoint did not answer (${message})` } };
  }
  const now = caps.clock.now();
  if (status < 200 || status >= 300) {
    const failure = classifyTokenError(call.provider, status, headers, body, now, call.advice);
    log.warn('token endpoint refused', { provider: call.provider, status, code: failure.code, kind: failure.kind });
    return { ok: false, failure };
  }
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  if (typeof b['access_token'] !== 'string' || b['access_token'] === '') {
    return { ok: false, failure: { kind: 'transient', provider: call.provider, code: 'MALFORMED_TOKEN_RESPONSE', reason: `the ${call.provider} token endpoint answered ${status} without an access_token`, httpStatus: status } };
  }
  const expiresIn = seconds(b['expires_in']);
  const refreshExpiresIn = seconds(b['refresh_token_expires_in']);
  log.debug('token minted', { provider: call.provider, expiresIn });
  return {
    ok: true,
    minted: {
      accessToken: b['access_token'],
      ...(expiresIn !== undefined ? { expiresInMs: expiresIn * 1000 } : {}),
      ...(typeof b['refresh_token'] === 'string' && b['refresh_token'] !== '' ? { refreshToken: b['refresh_token'] } : {}),
      ...(refreshExpiresIn !== undefined ? { refreshExpiresAt: now + refreshExpiresIn * 1000 } : {}),
      ...(typeof b['instance_url'] === 'string' ? { instanceUrl: b['instance_url'] } : {}),
      ...(typeof b['scope'] === 'string' ? { scope: b['scope'] } : {}),
    },
  };
}
