import type { Clock } from '../contract/context.js';
import type { AccessToken, AccessTokenProvider, AuthFailure, TokenResult, TokenState } from './access-token.js';
import type { MintedToken, RefreshGrant } from './refresh-grant.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

/** Options for {@link createTokenProvider}. */
export interface TokenProviderOptions {
  readonly grant: RefreshGrant;
  readonly clock: Clock;
  /** The refresh token stored for this connection (absent for the JWT bearer flow). */
  readonly refreshToken?: string;
  /** When the stored refresh token dies (LinkedIn), epoch ms. */
  readonly refreshExpiresAt?: number;
  /** A stored access token that may still be good. */
  readonly initial?: AccessToken;
  /**
   * Persists a rotated refresh token. Awaited BEFORE the new access token is used: with rotation
   * the old refresh token is dead once the new one is issued, so a token that was used but never
   * saved would leave the connection without a grant after a restart.
   */
  readonly saveRefreshToken?: (refreshToken: string, info: { readonly expiresAt?: number }) => Promise<void>;
  /** Refresh this long before expiry. @defaultValue min(5 minutes, 10% of the token's lifetime) */
  readonly skewMs?: number;
  /** `expiring_soon` when the refresh token dies within this. @defaultValue 30 days */
  readonly expiringSoonMs?: number;
  /** Told on every state change (alerts: once per change). */
  readonly onStateChange?: (state: TokenState) => void;
}

/**
 * The token provider every OAuth destination uses (reporting-and-spend.md §C0):
 * - refreshes before use when `now > expiresAt - skew`, and once when the API answers 401;
 * - one refresh in flight at a time: concurrent callers share it (single flight), and a 401 for a
 *   token that was already replaced does not refresh again;
 * - saves a rotated refresh token before the new access token is handed out;
 * - a dead grant (`reconnect_required`) or a refused client (`misconfigured`) is final: no further
 *   token-endpoint calls until the connection is reset;
 * - a transient failure waits out a backoff (or the endpoint's Retry-After) before trying again,
 *   and a still-valid token keeps being used meanwhile.
 *
 * A closure over one connection's small state (current token, refresh token, the refresh in
 * flight, the last failure): the single-flight and save-before-use rules need that state in one
 * place; each step is a small inner function.
 */
export function createTokenProvider(o: TokenProviderOptions): AccessTokenProvider & {
  /** After a reconnect: the new grant's tokens; clears a dead or misconfigured state. */
  reset(stored: { refreshToken?: string; refreshExpiresAt?: number; initial?: AccessToken }): void;
} {
  let refreshToken = o.refreshToken;
  let refreshExpiresAt = o.refreshExpiresAt;
  let current: AccessToken | undefined = o.initial;
  let lifetimeMs: number | undefined;
  let inflight: Promise<TokenResult> | null = null;
  let final: AuthFailure | undefined;
  let transient: { failure: AuthFailure; until: number; failures: number } | undefined;
  let unsaved: MintedToken | undefined;
  let lastRefreshAt: number | undefined;
  let lastFailure: AuthFailure | undefined;
  let lastStatus: TokenState['status'] | undefined;
  const provider = o.grant.provider;

  const skew = () => o.skewMs ?? Math.min(5 * MINUTE, lifetimeMs !== undefined ? lifetimeMs / 10 : 5 * MINUTE);
  const fresh = (t: AccessToken | undefined, now: number): t is AccessToken =>
    !!t && (t.expiresAt === undefined || now < t.expiresAt - skew());
  const usable = (t: AccessToken | undefined, now: number): t is AccessToken => !!t && (t.expiresAt === undefined || now < t.expiresAt);

  const state = (): TokenState => {
    const now = o.clock.now();
    const status: TokenState['status'] = final
      ? final.kind === 'misconfigured' ? 'misconfigured' : 'needs_reauth'
      : transient ? 'degraded'
      : refreshExpiresAt !== undefined && refreshExpiresAt - now < (o.expiringSoonMs ?? 30 * DAY) ? 'expiring_soon'
      : 'healthy';
    return {
      status,
      provider,
      ...(current?.expiresAt !== undefined ? { accessExpiresAt: current.expiresAt } : {}),
      ...(refreshExpiresAt !== undefined ? { refreshExpiresAt } : {}),
      ...(lastRefreshAt !== undefined ? { lastRefreshAt } : {}),
      ...(lastFailure ? { lastFailure } : {}),
    };
  };
  const notify = () => {
    const s = state();
    if (s.status !== lastStatus) {
      lastStatus = s.status;
      o.onStateChange?.(s);
    }
  };

  /** Saves a rotated refresh token, then adopts the minted access token. */
  async function adopt(minted: MintedToken, now: number): Promise<TokenResult> {
    if (minted.refreshToken !== undefined && minted.refreshToken !== refreshToken && o.saveRefreshToken) {
      try {
        await o.saveRefreshToken(minted.refreshToken, minted.refreshExpiresAt !== undefined ? { expiresAt: minted.refreshExpiresAt } : {});
      } catch (error) {
        unsaved = minted;
        return fail(now, {
          kind: 'transient',
          provider,
          code: 'REFRESH_TOKEN_NOT_SAVED',
          reason: `the rotated refresh token could not be saved (${error instanceof Error ? error.message : String(error)}); the new access token is held back until it is`,
        });
      }
    }
    unsaved = undefined;
    if (minted.refreshToken !== undefined) refreshToken = minted.refreshToken;
    if (minted.refreshExpiresAt !== undefined) refreshExpiresAt = minted.refreshExpiresAt;
    lifetimeMs = minted.expiresInMs;
    current = {
      accessToken: minted.accessToken,
      ...(minted.expiresInMs !== undefined ? { expiresAt: now + minted.expiresInMs } : {}),
      ...(minted.instanceUrl !== undefined ? { instanceUrl: minted.instanceUrl } : current?.instanceUrl !== undefined ? { instanceUrl: current.instanceUrl } : {}),
    };
    lastRefreshAt = now;
    transient = undefined;
    notify();
    return { ok: true, token: current };
  }

  function fail(now: number, failure: AuthFailure): TokenResult {
    lastFailure = failure;
    if (failure.kind === 'transient') {
      const failures = (transient?.failures ?? 0) + 1;
      // Backoff for the token endpoint: the vendor's wait, else 1 s doubling to a minute.
      const wait = failure.retryAfterMs ?? Math.min(MINUTE, 1000 * 2 ** (failures - 1));
      transient = { failure, until: now + wait, failures };
      notify();
      // A token that still works is better than none while the endpoint recovers.
      return usable(current, now) ? { ok: true, token: current } : { ok: false, failure };
    }
    final = failure;
    notify();
    return { ok: false, failure };
  }

  async function refresh(): Promise<TokenResult> {
    const now = o.clock.now();
    if (unsaved) return adopt(unsaved, now);
    if (o.grant.usesRefreshToken && refreshExpiresAt !== undefined && now >= refreshExpiresAt) {
      return fail(now, {
        kind: 'reconnect_required',
        provider,
        code: 'REFRESH_TOKEN_EXPIRED',
        reason: `the ${provider} refresh token expired on ${new Date(refreshExpiresAt).toISOString()}; reconnect this destination`,
      });
    }
    const result = await o.grant.mint(refreshToken);
    const at = o.clock.now();
    return result.ok ? adopt(result.minted, at) : fail(at, result.failure);
  }

  /** Single flight: every caller during a refresh waits for the same one. */
  const refreshOnce = (): Promise<TokenResult> => {
    if (!inflight) inflight = refresh().finally(() => (inflight = null));
    return inflight;
  };

  const blocked = (now: number): TokenResult | undefined => {
    if (final) return { ok: false, failure: final };
    if (transient && now < transient.until) {
      return usable(current, now) ? { ok: true, token: current } : { ok: false, failure: transient.failure };
    }
    return undefined;
  };

  return {
    canRefresh: true,
    async token() {
      const now = o.clock.now();
      if (fresh(current, now) && !unsaved) return { ok: true, token: current };
      if (inflight) return inflight;
      return blocked(now) ?? refreshOnce();
    },
    async rejected(accessToken) {
      if (inflight) return inflight;
      const now = o.clock.now();
      // Another request already replaced the refused token: use the new one.
      if (current && current.accessToken !== accessToken && usable(current, now)) return { ok: true, token: current };
      current = undefined;
      return blocked(now) ?? refreshOnce();
    },
    state,
    reset(stored) {
      refreshToken = stored.refreshToken;
      refreshExpiresAt = stored.refreshExpiresAt;
      current = stored.initial;
      final = undefined;
      transient = undefined;
      unsaved = undefined;
      lastFailure = undefined;
      notify();
    },
  };
}
