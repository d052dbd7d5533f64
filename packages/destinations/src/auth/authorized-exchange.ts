import type { SendContext } from '../contract/context.js';
import type { BatchItem, RowResult } from '../contract/result.js';
import { rowResult } from '../contract/row-results.js';
import type { HttpAnswer } from '../http/classify.js';
import { exchangeJson, type Exchange, type JsonRequest, type RequestContext } from '../http/request.js';
import { staticToken, type AccessToken, type AccessTokenProvider, type AuthFailure } from './access-token.js';

/** Touchline's row codes for "no usable credentials": the whole run should stop, not the row. */
export const CREDENTIAL_CODES = {
  /** The OAuth grant is dead: a person must reconnect the destination. */
  reconnectRequired: 'RECONNECT_REQUIRED',
  /** The OAuth client or the static token is refused: fix the destination's settings. */
  misconfigured: 'AUTH_MISCONFIGURED',
  /** Neither `config.accessToken` nor a token provider was given. */
  none: 'NO_CREDENTIALS',
} as const;

/** A request's outcome once credentials are involved. */
export type AuthorizedExchange =
  | (Exchange & { readonly token?: AccessToken })
  | { readonly ok: false; readonly auth: AuthFailure; readonly answer?: HttpAnswer };

/** The token source of a send: the host's provider, else the config's static token. */
export function tokenSource(ctx: Pick<SendContext<{ readonly accessToken?: string | undefined }>, 'auth' | 'config'>): AccessTokenProvider | undefined {
  if (ctx.auth) return ctx.auth;
  const t = ctx.config.accessToken;
  return t ? staticToken(t) : undefined;
}

/**
 * Sends one request with an access token from `provider`. When the API answers with `refused`
 * (HTTP 401 by default), a refreshable provider is asked once for a new token and the request
 * goes once more (reporting-and-spend.md §C0: "On an API 401: refresh once and retry once").
 * A fixed token's 401 comes back as the API's answer, to be classified like any other.
 */
export async function exchangeAuthorized(
  ctx: RequestContext,
  provider: AccessTokenProvider | undefined,
  build: (token: AccessToken) => JsonRequest,
  refused: (answer: HttpAnswer) => boolean = (a) => a.status === 401,
): Promise<AuthorizedExchange> {
  if (!provider) {
    return {
      ok: false,
      auth: { kind: 'misconfigured', provider: 'none', code: CREDENTIAL_CODES.none, reason: 'no credentials: set accessToken in the destination config or connect it through OAuth' },
    };
  }
  const first = await provider.token();
  if (!first.ok) return { ok: false, auth: first.failure };
  const ex = await exchangeJson(ctx, build(first.token));
  if (!ex.ok || !refused(ex.answer) || !provider.canRefresh) return { ...ex, token: first.token };
  const again = await provider.rejected(first.token.accessToken);
  if (!again.ok) return { ok: false, auth: again.failure, answer: ex.answer };
  return { ...(await exchangeJson(ctx, build(again.token))), token: again.token };
}

/**
 * The same result for every row when no usable token could be had. A dead grant or a refused
 * client is `rejected` with a credential code (the host stops the run and shows "reconnect");
 * a token endpoint that is down leaves the rows `retryable`.
 */
export function authFailureResults<P>(batch: readonly BatchItem<P>[], failure: AuthFailure, apiAnswer?: HttpAnswer): RowResult<P>[] {
  const answer = apiAnswer
    ? { answer: { httpStatus: apiAnswer.status, body: apiAnswer.body } }
    : failure.httpStatus !== undefined ? { answer: { httpStatus: failure.httpStatus, body: failure.body } } : {};
  if (failure.kind === 'transient') {
    const wait = failure.retryAfterMs === undefined ? {} : { retryAfterMs: failure.retryAfterMs };
    return batch.map((item) => rowResult(item, { kind: 'retryable', reason: `no access token from ${failure.provider}: ${failure.reason}`, code: 'TOKEN_UNAVAILABLE', ...wait }, answer));
  }
  const code = failure.kind === 'reconnect_required' ? CREDENTIAL_CODES.reconnectRequired : failure.code === CREDENTIAL_CODES.none ? CREDENTIAL_CODES.none : CREDENTIAL_CODES.misconfigured;
  const what = failure.kind === 'reconnect_required' ? 'reconnect this destination' : 'fix the destination credentials';
  return batch.map((item) => rowResult(item, { kind: 'permanent', reason: `${failure.provider} (${failure.code}): ${failure.reason}; ${what}`, code }, answer));
}
