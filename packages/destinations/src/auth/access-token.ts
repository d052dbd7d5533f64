/** An OAuth access token as a destination uses it. */
export interface AccessToken {
  readonly accessToken: string;
  /** Epoch ms when it stops working; absent when the vendor does not say (Salesforce). */
  readonly expiresAt?: number;
  /** Salesforce: the instance every API call must go to (the token answer's `instance_url`). */
  readonly instanceUrl?: string;
}

/**
 * Why no usable token could be had (reporting-and-spend.md §C0 "Classify failures"):
 * - `reconnect_required`: the grant is dead (`invalid_grant`: revoked, expired, unused too long,
 *   a LinkedIn app that may not refresh). A person must reconnect the destination; until then
 *   no call is made.
 * - `misconfigured`: the client itself is refused (`invalid_client`, a JWT user not pre-approved).
 *   Fix the settings; re-consent would loop.
 * - `transient`: the token endpoint is down, throttling, or the rotated refresh token could not
 *   be saved yet. Try again later.
 */
export const AUTH_FAILURE = {
  reconnectRequired: 'reconnect_required',
  misconfigured: 'misconfigured',
  transient: 'transient',
} as const;
export type AuthFailureKind = (typeof AUTH_FAILURE)[keyof typeof AUTH_FAILURE];

export interface AuthFailure {
  readonly kind: AuthFailureKind;
  /** `google`, `hubspot`, `linkedin`, `microsoft`, `salesforce`, `static`. */
  readonly provider: string;
  /** The vendor's code verbatim (`invalid_grant`, `AADSTS70000`, ...) or Touchline's. */
  readonly code: string;
  /** A sentence an operator can act on; never contains a token. */
  readonly reason: string;
  /** HTTP status of the token endpoint's answer, when there was one. */
  readonly httpStatus?: number;
  /** The token endpoint's error body with secrets removed, when there was one. */
  readonly body?: unknown;
  /** When to try again (transient only). */
  readonly retryAfterMs?: number;
}

export type TokenResult = { readonly ok: true; readonly token: AccessToken } | { readonly ok: false; readonly failure: AuthFailure };

/** What an operator sees about a connection (reporting-and-spend.md §C7). */
export interface TokenState {
  readonly status: 'healthy' | 'expiring_soon' | 'degraded' | 'needs_reauth' | 'misconfigured';
  readonly provider: string;
  /** Epoch ms of the current access token's expiry, when known. */
  readonly accessExpiresAt?: number;
  /** Epoch ms after which the refresh token dies (LinkedIn: 365 days, not extended by use). */
  readonly refreshExpiresAt?: number;
  readonly lastRefreshAt?: number;
  readonly lastFailure?: AuthFailure;
}

/**
 * Where a destination gets its access token: the host builds one per connected destination
 * account (see `createTokenProvider`) and passes it in `SendContext.auth`.
 */
export interface AccessTokenProvider {
  /** `false` for a fixed token: a 401 cannot be cured by asking again. */
  readonly canRefresh: boolean;
  /** A token good for now; refreshes first when it is about to expire (one refresh at a time). */
  token(): Promise<TokenResult>;
  /**
   * The API refused `accessToken` (HTTP 401). Refreshes once, unless another request already
   * replaced that token, and answers the token to retry with.
   */
  rejected(accessToken: string): Promise<TokenResult>;
  state(): TokenState;
}

/** A provider for a fixed token (a HubSpot private-app token, a Meta system-user token, tests). */
export function staticToken(accessToken: string, provider = 'static'): AccessTokenProvider {
  const token: AccessToken = { accessToken };
  return {
    canRefresh: false,
    token: async () => ({ ok: true, token }),
    rejected: async () => ({
      ok: false,
      failure: { kind: 'misconfigured', provider, code: 'STATIC_TOKEN_REFUSED', reason: 'the vendor refused the configured access token; issue a new one or connect the destination through OAuth' },
    }),
    state: () => ({ status: 'healthy', provider }),
  };
}
