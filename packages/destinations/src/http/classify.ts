import { retryableStatus } from '@touchline/protocol';
import { parseRetryAfter } from './retry-after.js';

/** Case-insensitive header lookup, as `Headers` offers. */
export interface HeaderReader {
  get(name: string): string | null;
}

/** One HTTP answer, with the body already parsed (JSON when it parses, else the raw text). */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: HeaderReader;
  readonly body: unknown;
}

/** The four things an answer can mean. */
export const OUTCOME = {
  success: 'success',
  retryable: 'retryable',
  rateLimited: 'rate_limited',
  permanent: 'permanent',
} as const;

export type Classification =
  | { readonly kind: 'success' }
  | {
      readonly kind: 'retryable' | 'rate_limited';
      readonly reason: string;
      readonly code?: string;
      readonly retryAfterMs?: number;
    }
  | { readonly kind: 'permanent'; readonly reason: string; readonly code?: string };

/**
 * A vendor's rule on top of the generic one, for the cases where the status code lies
 * ("a 200 is not always success", throttling sent as a 400, a 403 that is a quota).
 * Returns `undefined` to let the next rule, and finally the generic rule, decide.
 */
export type VendorRule = (answer: HttpAnswer, now: number) => Classification | undefined;

/**
 * The protocol's retry rule (`retryableStatus`, shared with the tracker and the site helper),
 * refined for server-side sends: 425 Too Early is retried; 501 and 505 mean a wrong endpoint,
 * which retrying does not fix.
 */
const retryableHttp = (status: number): boolean => status === 425 || (retryableStatus(status) && status !== 501 && status !== 505);

/**
 * The one classifier (STYLE.md "Failures are classified once"). Vendor rules run first, in
 * order; then the generic HTTP rule:
 * - 2xx success;
 * - 429 rate-limited, with `Retry-After` (seconds or HTTP-date) when present;
 * - 408, 425, 500, 502, 503, 504 (and unknown 5xx) retryable, honouring `Retry-After` on 503;
 * - every other status permanent: 4xx validation and auth errors are never retried as they are
 *   (Snowplow's declarative rule: 400/401/403/410/422 never retried); 501/505 and 3xx mean a
 *   wrong endpoint, which retrying does not fix.
 */
export function classifyHttp(
  answer: HttpAnswer,
  now: number,
  rules: readonly VendorRule[] = [],
): Classification {
  for (const rule of rules) {
    const c = rule(answer, now);
    if (c) return c;
  }
  const { status } = answer;
  if (status >= 200 && status < 300) return { kind: 'success' };
  const retryAfterMs = parseRetryAfter(answer.headers.get('retry-after'), now);
  const wait = retryAfterMs === undefined ? {} : { retryAfterMs };
  const code = `HTTP_${status}`;
  if (status === 429) {
    return { kind: 'rate_limited', reason: 'HTTP 429 Too Many Requests', code, ...wait };
  }
  if (retryableHttp(status)) {
    return { kind: 'retryable', reason: `HTTP ${status}: transient server error`, code, ...wait };
  }
  if (status === 401 || status === 403) {
    return {
      kind: 'permanent',
      reason: `HTTP ${status}: credentials refused; refresh the token or fix the config`,
      code,
    };
  }
  if (status >= 300 && status < 400) {
    return { kind: 'permanent', reason: `HTTP ${status}: redirect; check the endpoint`, code };
  }
  return { kind: 'permanent', reason: `HTTP ${status}: request refused`, code };
}

/** A request that never got an answer (DNS, reset, timeout) may succeed on a later try. */
export function classifyNetworkError(error: unknown): Classification {
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'retryable', reason: `network error: ${message}`, code: 'NETWORK' };
}
