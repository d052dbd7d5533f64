import { parseRetryAfter } from '../../http/retry-after.js';
import type { HeaderReader } from '../../http/classify.js';
import type { AuthFailure } from '../access-token.js';

/** Error fields a token endpoint may return that are safe to keep and show (never a token). */
const SAFE_KEYS = ['error', 'error_description', 'error_codes', 'error_uri', 'trace_id', 'correlation_id', 'correlationId', 'status', 'message', 'category', 'timestamp'];

export function safeErrorBody(body: unknown): unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return typeof body === 'string' ? body.slice(0, 200) : undefined;
  return Object.fromEntries(Object.entries(body as Record<string, unknown>).filter(([k]) => SAFE_KEYS.includes(k)));
}

/** The RFC 6749 §5.2 errors that mean the client itself is refused: re-consent would loop. */
const CLIENT_ERRORS = new Set(['invalid_client', 'unauthorized_client', 'invalid_scope', 'unsupported_grant_type', 'invalid_request', 'invalid_client_id', 'inactive_user', 'inactive_org']);
/** The errors that mean the grant is gone: a person has to connect the destination again. */
const GRANT_ERRORS = new Set(['invalid_grant', 'interaction_required', 'consent_required', 'login_required', 'BAD_REFRESH_TOKEN', 'BAD_AUTH_CODE', 'EXPIRED_AUTH_CODE']);

/** Per-vendor advice appended to a dead-grant reason (reporting-and-spend.md §C1-§C5). */
export interface TokenErrorAdvice {
  readonly reconnect?: string;
  /** Some `invalid_grant` answers mean a setting, not a dead grant (Salesforce JWT). */
  readonly grantErrorIsConfig?: boolean;
}

/**
 * Classifies a token endpoint's refusal (reporting-and-spend.md §C0 "Classify failures"):
 * network, 5xx and 429 are transient; `invalid_grant` and friends mean reconnect; a refused
 * client means misconfigured. HubSpot's v1 endpoint names errors in `status` (BAD_REFRESH_TOKEN).
 */
export function classifyTokenError(provider: string, status: number, headers: HeaderReader, body: unknown, now: number, advice: TokenErrorAdvice = {}): AuthFailure {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const code = String(b['error'] ?? b['status'] ?? `HTTP_${status}`);
  const description = String(b['error_description'] ?? b['message'] ?? '');
  const base = { provider, code, httpStatus: status, body: safeErrorBody(body) };
  if (status === 429 || status >= 500 || code === 'temporarily_unavailable' || code === 'server_error') {
    const wait = parseRetryAfter(headers.get('retry-after'), now);
    return { ...base, kind: 'transient', reason: `the ${provider} token endpoint answered HTTP ${status} (${code}); trying again later`, ...(wait === undefined ? {} : { retryAfterMs: wait }) };
  }
  if (GRANT_ERRORS.has(code) || /^BAD_(REFRESH_TOKEN|AUTH_CODE)/.test(code)) {
    if (advice.grantErrorIsConfig) {
      return { ...base, kind: 'misconfigured', reason: `${provider} refused the sign-in (${code}: ${description}); fix the connection settings` };
    }
    return { ...base, kind: 'reconnect_required', reason: `${provider} rejected the saved sign-in (${code}${description ? `: ${description}` : ''}). ${advice.reconnect ?? 'Reconnect the destination.'}` };
  }
  if (CLIENT_ERRORS.has(code) || /^BAD_CLIENT/.test(code) || status === 401 || status === 400) {
    return { ...base, kind: 'misconfigured', reason: `${provider} refused the OAuth client (${code}${description ? `: ${description}` : ''}); check the client id, secret and redirect URI` };
  }
  return { ...base, kind: 'misconfigured', reason: `${provider} token endpoint answered HTTP ${status} (${code})` };
}
