import type { AccessTokenProvider } from '../auth/access-token.js';
import { exchangeAuthorized, type AuthorizedExchange } from '../auth/authorized-exchange.js';
import type { VendorRule } from '../http/classify.js';
import { joinUrl, type RequestContext } from '../http/request.js';

/** TikTok Business API envelope codes (activation-contracts.md §3.4; reporting-and-spend.md §B4, §C6). */
export const TIKTOK_CODES = { ok: 0, partial: 20001, noPermission: 40001, invalidParams: 40002, throttled: 40100, invalidToken: 40105 } as const;

interface Envelope {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly request_id?: unknown;
}
export const tiktokEnvelope = (body: unknown): Envelope | undefined => (body && typeof body === 'object' && 'code' in body ? (body as Envelope) : undefined);

/**
 * TikTok answers HTTP 200 for errors (§3.4): the envelope's `code` decides. 0 and 20001 (partial
 * success, "treat as delivered") succeed; 40100 is throttling (no Retry-After); 40001 / 40105
 * are credentials; 40002 invalid parameters; other codes are classed by the generic rule.
 */
export const tiktokRule: VendorRule = (answer) => {
  const e = tiktokEnvelope(answer.body);
  if (!e || answer.status < 200 || answer.status >= 300) return undefined;
  const code = Number(e.code);
  const text = `TikTok ${code}: ${String(e.message ?? '')}${e.request_id ? ` (request_id ${String(e.request_id)})` : ''}`;
  if (code === TIKTOK_CODES.ok || code === TIKTOK_CODES.partial) return { kind: 'success' };
  if (code === TIKTOK_CODES.throttled) return { kind: 'rate_limited', reason: text, code: String(code) };
  if (code === TIKTOK_CODES.noPermission || code === TIKTOK_CODES.invalidToken) {
    return { kind: 'permanent', reason: `${text}; the access token is refused or lacks permission: have the advertiser authorise again`, code: String(code) };
  }
  if (code >= 50000 && code < 60000) return { kind: 'retryable', reason: text, code: String(code) };
  return { kind: 'permanent', reason: text, code: String(code) };
};

/** The `Batch.{i}` index TikTok's 40002 message names (`Batch.0.properties...: Not a valid string`). */
export const tiktokBatchIndex = (message: unknown): number | undefined => {
  const m = /\bBatch\.(\d+)\b/.exec(String(message ?? ''));
  return m ? Number(m[1]) : undefined;
};

/** Settings of one TikTok Business API connection. */
export interface TiktokClientSettings {
  /** @defaultValue https://business-api.tiktok.com */
  readonly endpoint: string;
  readonly accessToken?: string | undefined;
}

/**
 * The TikTok Business API client: `Access-Token` header (not Bearer), `/open_api/v1.3/` paths,
 * envelope classification by {@link tiktokRule}. Events API today; the reporting pulls
 * (`report/integrated/get/`, §B4) go through `get` on the same client.
 */
export function tiktokClient(settings: TiktokClientSettings, ctx: RequestContext, auth: AccessTokenProvider | undefined) {
  const url = (path: string) => joinUrl(settings.endpoint, `open_api/v1.3/${path.replace(/^\/+/, '')}`);
  return {
    post: (path: string, body: unknown): Promise<AuthorizedExchange> =>
      exchangeAuthorized(ctx, auth, (t) => ({ method: 'POST', url: url(path), headers: { 'access-token': t.accessToken }, body })),
    get: (path: string, query: Readonly<Record<string, string>>): Promise<AuthorizedExchange> =>
      exchangeAuthorized(ctx, auth, (t) => ({ method: 'GET', url: `${url(path)}?${new URLSearchParams(query).toString()}`, headers: { 'access-token': t.accessToken } })),
  };
}
