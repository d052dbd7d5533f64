import type { VendorRule } from '../../http/classify.js';
import { parseRetryAfter } from '../../http/retry-after.js';

/** Graph throttling codes: app (4), user (17), page (32), API-specific (613), 80000-family. */
const THROTTLE_CODES = new Set([4, 17, 32, 613]);
/** Graph codes RudderStack retries: unknown (1), service (2), and a few transient ones (§2.6). */
const TRANSIENT_CODES = new Set([1, 2, 341, 368]);

interface GraphError {
  code?: number;
  error_subcode?: number;
  is_transient?: boolean;
  message?: string;
  error_user_title?: string;
  error_user_msg?: string;
}

export function graphError(body: unknown): GraphError | undefined {
  const e = (body as { error?: unknown } | undefined)?.error;
  return e && typeof e === 'object' ? (e as GraphError) : undefined;
}

/**
 * `estimated_time_to_regain_access` (minutes) from `X-Business-Use-Case-Usage`, the only wait
 * hint Graph gives (Graph rate-limiting doc; Meta documents no Retry-After, §2.6).
 */
function regainAccessMs(header: string | null): number | undefined {
  if (!header) return undefined;
  try {
    const usage = JSON.parse(header) as Record<string, { estimated_time_to_regain_access?: number }[]>;
    const minutes = Object.values(usage)
      .flat()
      .map((u) => u.estimated_time_to_regain_access ?? 0);
    const max = Math.max(0, ...minutes);
    return max > 0 ? max * 60_000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Meta's answers on top of the generic rule (activation-contracts.md §2.6-§2.7): a 200 is a
 * success only when `events_received` equals what was sent; throttling arrives as a 400/403
 * with codes 4/17/32/613/80000-family; `is_transient` and codes 1/2 are retryable; code 190
 * (token) and code 100 (invalid parameter) are permanent.
 */
export function metaRule(sent: number): VendorRule {
  return (answer, now) => {
    if (answer.status >= 200 && answer.status < 300) {
      const received = (answer.body as { events_received?: unknown } | undefined)?.events_received;
      if (received === sent) return { kind: 'success' };
      return {
        kind: 'retryable',
        reason: `Meta answered events_received=${String(received)} for ${sent} events; resending is safe because Meta dedups on event_name + event_id`,
        code: 'EVENTS_RECEIVED_MISMATCH',
      };
    }
    return graphRule(answer, now);
  };
}

/**
 * Graph API errors for any Graph endpoint (Conversions API, custom audiences): throttling codes
 * 4/17/32/613/80000-family are rate-limited, `is_transient` and codes 1/2 retryable, the rest
 * (190 token, 100 invalid parameter) permanent.
 */
export const graphRule: VendorRule = (answer, now) => {
  const e = graphError(answer.body);
  if (!e || answer.status === 429) return undefined; // a proxy's 429: the generic rule reads Retry-After
  const code = typeof e.code === 'number' ? e.code : undefined;
  const label = `Graph error ${code ?? '?'}${e.error_subcode ? `/${e.error_subcode}` : ''}`;
  const text = e.error_user_title ? `${e.error_user_title}: ${e.error_user_msg ?? ''}` : (e.message ?? '');
  if (code !== undefined && (THROTTLE_CODES.has(code) || (code >= 80000 && code < 80100))) {
    const wait = regainAccessMs(answer.headers.get('x-business-use-case-usage')) ?? parseRetryAfter(answer.headers.get('retry-after'), now);
    return { kind: 'rate_limited', reason: `Meta throttled the request (${label}): ${text}`, code: String(code), ...(wait ? { retryAfterMs: wait } : {}) };
  }
  if (e.is_transient === true || (code !== undefined && TRANSIENT_CODES.has(code))) {
    return { kind: 'retryable', reason: `Meta transient error (${label}): ${text}`, code: String(code ?? 'TRANSIENT') };
  }
  if (answer.status >= 500) return undefined;
  const what = code === 190 ? 'access token refused; issue a new system-user token' : 'request refused';
  return { kind: 'permanent', reason: `Meta ${what} (${label}): ${text}`, code: e.error_subcode ? `${code}/${e.error_subcode}` : String(code ?? answer.status) };
};
