import type { AccessTokenProvider } from '../auth/access-token.js';
import { exchangeAuthorized, type AuthorizedExchange } from '../auth/authorized-exchange.js';
import type { VendorRule } from '../http/classify.js';
import { joinUrl, type JsonRequest, type RequestContext } from '../http/request.js';

/** LinkedIn's error body (activation-contracts.md §4.4). */
export interface LinkedinError {
  readonly status?: number;
  readonly serviceErrorCode?: number;
  readonly code?: string;
  readonly message?: string;
}
export const linkedinError = (body: unknown): LinkedinError | undefined =>
  body && typeof body === 'object' && !Array.isArray(body) && ('message' in body || 'code' in body) ? (body as LinkedinError) : undefined;

/**
 * LinkedIn on top of the generic rule (§4.1, §4.4): 426 means the pinned `LinkedIn-Version` is
 * sunset (about 12 months after release) and no retry helps; token errors name themselves
 * (`REVOKED_ACCESS_TOKEN` 65601, `INVALID_ACCESS_TOKEN` 65600).
 */
export const linkedinRule: VendorRule = (answer) => {
  const e = linkedinError(answer.body);
  if (answer.status === 426) {
    return { kind: 'permanent', reason: `LinkedIn: ${e?.message ?? 'API version not active'}; pin a current LinkedIn-Version (YYYYMM) in the config`, code: 'VERSION_NOT_ACTIVE' };
  }
  if (e && (answer.status === 401 || answer.status === 403)) {
    return { kind: 'permanent', reason: `LinkedIn ${answer.status} ${e.code ?? ''}: ${e.message ?? ''}; reconnect the destination or grant the rw_conversions permission`, code: e.code ?? `HTTP_${answer.status}` };
  }
  return undefined;
};

/** Row indexes a whole-request 400/422 names: "indices [0, 3] (0-indexed)" or "Index: 2, ERROR ...". */
export function linkedinIndexes(message: unknown): number[] {
  const text = String(message ?? '');
  const out = new Set<number>();
  for (const m of text.matchAll(/indices \[([\d,\s]+)\]/g)) for (const n of m[1]!.split(',')) out.add(Number(n.trim()));
  for (const m of text.matchAll(/Index: (\d+)/g)) out.add(Number(m[1]));
  return [...out].filter((n) => Number.isInteger(n));
}

/** Settings of one LinkedIn Marketing API connection. */
export interface LinkedinClientSettings {
  /** @defaultValue https://api.linkedin.com */
  readonly endpoint: string;
  /** `LinkedIn-Version: YYYYMM`, required on every call (§4.1). */
  readonly apiVersion: string;
  readonly accessToken?: string | undefined;
}

/**
 * The LinkedIn Marketing API client: `/rest/` paths with the required versioning headers
 * (`LinkedIn-Version`, `X-Restli-Protocol-Version: 2.0.0`), Bearer tokens from the provider, one
 * refresh on a 401. Conversions today; adAnalytics (reporting-and-spend.md §B3) goes through
 * `get` on the same client.
 */
export function linkedinClient(settings: LinkedinClientSettings, ctx: RequestContext, auth: AccessTokenProvider | undefined) {
  const headers = (token: string, extra: Record<string, string> = {}) => ({
    authorization: `Bearer ${token}`,
    'linkedin-version': settings.apiVersion,
    'x-restli-protocol-version': '2.0.0',
    ...extra,
  });
  const call = (build: (token: string) => JsonRequest): Promise<AuthorizedExchange> => exchangeAuthorized(ctx, auth, (t) => build(t.accessToken));
  return {
    batchCreate: (resource: string, elements: readonly unknown[]) =>
      call((t) => ({ method: 'POST', url: joinUrl(settings.endpoint, `rest/${resource}`), headers: headers(t, { 'x-restli-method': 'BATCH_CREATE' }), body: { elements } })),
    get: (resource: string, query: string) =>
      call((t) => ({ method: 'GET', url: `${joinUrl(settings.endpoint, `rest/${resource}`)}?${query}`, headers: headers(t) })),
  };
}
