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

/** One connection's token state: the steps below read and change it, nothing else does. */
interface ProviderState {
  refreshToken: string | undefined;
  refreshExpiresAt: number | undefined;
  current: AccessToken | undefined;
  /** The last minted token's lifetime (sets the default skew). */
  lifetimeMs: number | undefined;
  inflight: Promise<TokenResult> | null;
  /** A dead grant or a refused client: no more token-endpoint calls until `reset`. */
  final: AuthFailure | undefined;
  transient: { failure: AuthFailure; until: number; failures: number } | undefined;
  /** A minted token whose rotated refresh token is not saved yet: held back until it is. */
  unsaved: MintedToken | undefined;
  lastRefreshAt: number | undefined;
  lastFailure: AuthFailure | undefined;
  lastStatus: TokenState['status'] | undefined;
}

const skew = (o: TokenProviderOptions, st: ProviderState) =>
  o.skewMs ?? Math.min(5 * MINUTE, st.lifetimeMs !== undefined ? st.lifetimeMs / 10 : 5 * MINUTE);
const fresh = (o: TokenProviderOptions, st: ProviderState, t: AccessToken | undefined, now: number): t is AccessToken =>
  !!t && (t.expiresAt === undefined || now < t.expiresAt - skew(o, st));
const usable = (t: AccessToken | undefined, now: number): t is AccessToken => !!t && (t.expiresAt === undefined || now < t.expiresAt);

function tokenState(o: TokenProviderOptions, st: ProviderState): TokenState {
  const now = o.clock.now();
  const status: TokenState['status'] = st.final
    ? st.final.kind === 'misconfigured' ? 'misconfigured' : 'needs_reauth'
    : st.transient ? 'degraded'
    : st.refreshExpiresAt !== undefined && st.refreshExpiresAt - now < (o.expiringSoonMs ?? 30 * DAY) ? 'expiring_soon'
    : 'healthy';
  return {
    status,
    provider: o.grant.provider,
    ...(st.current?.expiresAt !== undefined ? { accessExpiresAt: st.current.expiresAt } : {}),
    ...(st.refreshExpiresAt !== undefined ? { refreshExpiresAt: st.refreshExpiresAt } : {}),
    ...(st.lastRefreshAt !== undefined ? { lastRefreshAt: st.lastRefreshAt } : {}),
    ...(st.lastFailure ? { lastFailure: st.lastFailure } : {}),
  };
}

/** Tells `onStateChange` once per change of status. */
function notify(o: TokenProviderOptions, st: ProviderState): void {
  const s = tokenState(o, st);
  if (s.status !== st.lastStatus) {
    st.lastStatus = s.status;
    o.onStateChange?.(s);
  }
}

/** Saves a rotated refresh token, then adopts the minted access token. */
async function adopt(o: TokenProviderOptions, st: ProviderState, minted: MintedToken, now: number): Promise<TokenResult> {
  if (minted.refreshToken !== undefined && minted.refreshToken !== st.refreshToken && o.saveRefreshToken) {
    try {
      await o.saveRefreshToken(minted.refreshToken, minted.refreshExpiresAt !== undefined ? { expiresAt: minted.refreshExpiresAt } : {});
    } catch (error) {
      st.unsaved = minted;
      return fail(o, st, now, {
        kind: 'transient',
        provider: o.grant.provider,
        code: 'REFRESH_TOKEN_NOT_SAVED',
        reason: `the rotated refresh token could not be saved (${error instanceof Error ? error.message : String(error)}); the new access token is held back until it is`,
      });
    }
  }
  st.unsaved = undefined;
  if (minted.refreshToken !== undefined) st.refreshToken = minted.refreshToken;
  if (minted.refreshExpiresAt !== undefined) st.refreshExpiresAt = minted.refreshExpiresAt;
  st.lifetimeMs = minted.expiresInMs;
  const instanceUrl = minted.instanceUrl ?? st.current?.instanceUrl;
  st.current = {
    accessToken: minted.accessToken,
    ...(minted.expiresInMs !== undefined ? { expiresAt: now + minted.expiresInMs } : {}),
    ...(instanceUrl !== undefined ? { instanceUrl } : {}),
  };
  st.lastRefreshAt = now;
  st.transient = undefined;
  notify(o, st);
  return { ok: true, token: st.current };
}

/** A transient failure backs off (keeping a token that still works); any other is final. */
function fail(o: TokenProviderOptions, st: ProviderState, now: number, failure: AuthFailure): TokenResult {
  st.lastFailure = failure;
  if (failure.kind === 'transient') {
    const failures = (st.transient?.failures ?? 0) + 1;
    // Backoff for the token endpoint: the vendor's wait, else 1 s doubling to a minute.
    const wait = failure.retryAfterMs ?? Math.min(MINUTE, 1000 * 2 ** (failures - 1));
    st.transient = { failure, until: now + wait, failures };
    notify(o, st);
    // A token that still works is better than none while the endpoint recovers.
    return usable(st.current, now) ? { ok: true, token: st.current } : { ok: false, failure };
  }
  st.final = failure;
  notify(o, st);
  return { ok: false, failure };
}

async function refresh(o: TokenProviderOptions, st: ProviderState): Promise<TokenResult> {
  const now = o.clock.now();
  if (st.unsaved) return adopt(o, st, st.unsaved, now);
  if (o.grant.usesRefreshToken && st.refreshExpiresAt !== undefined && now >= st.refreshExpiresAt) {
    const provider = o.grant.provider;
    return fail(o, st, now, {
      kind: 'reconnect_required',
      provider,
      code: 'REFRESH_TOKEN_EXPIRED',
      reason: `the ${provider} refresh token expired on ${new Date(st.refreshExpiresAt).toISOString()}; reconnect this destination`,
    });
  }
  const result = await o.grant.mint(st.refreshToken);
  const at = o.clock.now();
  return result.ok ? adopt(o, st, result.minted, at) : fail(o, st, at, result.failure);
}

/** Single flight: every caller during a refresh waits for the same one. */
function refreshOnce(o: TokenProviderOptions, st: ProviderState): Promise<TokenResult> {
  if (!st.inflight) st.inflight = refresh(o, st).finally(() => (st.inflight = null));
  return st.inflight;
}

/** A final failure, or a backoff still running (with the token that still works, if any). */
function blocked(st: ProviderState, now: number): TokenResult | undefined {
  if (st.final) return { ok: false, failure: st.final };
  if (st.transient && now < st.transient.until) {
    return usable(st.current, now) ? { ok: true, token: st.current } : { ok: false, failure: st.transient.failure };
  }
  return undefined;
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
 * One connection's small state ({@link ProviderState}) in one place, because the single-flight
 * and save-before-use rules need it there; each step is a function of it.
 */
export function createTokenProvider(o: TokenProviderOptions): AccessTokenProvider & {
  /** After a reconnect: the new grant's tokens; clears a dead or misconfigured state. */
  reset(stored: { refreshToken?: string; refreshExpiresAt?: number; initial?: AccessToken }): void;
} {
  const st: ProviderState = {
    refreshToken: o.refreshToken,
    refreshExpiresAt: o.refreshExpiresAt,
    current: o.initial,
    lifetimeMs: undefined,
    inflight: null,
    final: undefined,
    transient: undefined,
    unsaved: undefined,
    lastRefreshAt: undefined,
    lastFailure: undefined,
    lastStatus: undefined,
  };
  return {
    canRefresh: true,
    async token() {
      const now = o.clock.now();
      if (fresh(o, st, st.current, now) && !st.unsaved) return { ok: true, token: st.current };
      if (st.inflight) return st.inflight;
      return blocked(st, now) ?? refreshOnce(o, st);
    },
    async rejected(accessToken) {
      if (st.inflight) return st.inflight;
      const now = o.clock.now();
      // Another request already replaced the refused token: use the new one.
      if (st.current && st.current.accessToken !== accessToken && usable(st.current, now)) return { ok: true, token: st.current };
      st.current = undefined;
      return blocked(st, now) ?? refreshOnce(o, st);
    },
    state: () => tokenState(o, st),
    reset: (stored) => resetTokens(o, st, stored),
  };
}

function resetTokens(o: TokenProviderOptions, st: ProviderState, stored: { refreshToken?: string; refreshExpiresAt?: number; initial?: AccessToken }): void {
  st.refreshToken = stored.refreshToken;
  st.refreshExpiresAt = stored.refreshExpiresAt;
  st.current = stored.initial;
  st.final = undefined;
  st.transient = undefined;
  st.unsaved = undefined;
  st.lastFailure = undefined;
  notify(o, st);
}
