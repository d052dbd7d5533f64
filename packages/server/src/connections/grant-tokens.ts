import {
  createTokenProvider,
  type AccessTokenProvider,
  type Clock,
  type FetchLike,
  type Logger,
  type TokenResult,
  type TokenState,
} from '@touchline/destinations';
import type { DestinationAccount } from '../activation/config/activation-config.js';
import type { GrantStore, StoredGrant } from './grant-store.js';
import { oauthAccount } from './oauth-apps.js';

export interface GrantTokensDeps {
  readonly store: GrantStore;
  readonly destinations: Readonly<Record<string, DestinationAccount>>;
  readonly fetch: FetchLike;
  readonly clock: Clock;
  readonly logger?: Logger;
}

/** A grant the vendor already refused: every call answers why, and nothing is asked of the vendor. */
function deadProvider(g: StoredGrant): AccessTokenProvider {
  const failure = {
    kind: g.status === 'misconfigured' ? ('misconfigured' as const) : ('reconnect_required' as const),
    provider: g.provider,
    code: g.status === 'misconfigured' ? 'AUTH_MISCONFIGURED' : 'RECONNECT_REQUIRED',
    reason: g.reason ?? `reconnect destination ${g.destination}: touchline destinations connect ${g.destination}`,
  };
  const answer = async (): Promise<TokenResult> => ({ ok: false, failure });
  return {
    canRefresh: false,
    token: answer,
    rejected: answer,
    state: () => ({ status: g.status === 'misconfigured' ? 'misconfigured' : 'needs_reauth', provider: g.provider, lastFailure: failure }),
  };
}

/** A connected grant's provider: the vendor's refresh, the rotated refresh token and the newest access token saved, a dead grant marked. */
function providerFor(d: GrantTokensDeps, name: string, g: StoredGrant): AccessTokenProvider {
  if (g.status !== 'connected') return deadProvider(g);
  const a = oauthAccount(name, d.destinations[name]);
  const caps = { fetch: d.fetch, clock: d.clock, ...(d.logger ? { logger: d.logger } : {}) };
  // A provider outlived by a reconnect (a run still holds it) must not touch the new grant.
  const current = () => d.store.get(name)?.connectedAt === g.connectedAt;
  const onStateChange = (s: TokenState) => {
    const f = s.lastFailure;
    if ((s.status === 'needs_reauth' || s.status === 'misconfigured') && f && current()) {
      d.store.markDead(name, s.status === 'misconfigured' ? 'misconfigured' : 'reconnect_required', f.reason);
      d.logger?.warn('destination needs attention', { destination: name, status: s.status, code: f.code });
    }
  };
  const inner = createTokenProvider({
    grant: a.vendor.refreshGrant(caps),
    clock: d.clock,
    ...(g.refreshToken !== undefined ? { refreshToken: g.refreshToken } : {}),
    ...(g.refreshExpiresAt !== undefined ? { refreshExpiresAt: g.refreshExpiresAt } : {}),
    ...(g.accessToken !== undefined
      ? { initial: { accessToken: g.accessToken, ...(g.accessExpiresAt !== undefined ? { expiresAt: g.accessExpiresAt } : {}), ...(g.instanceUrl !== undefined ? { instanceUrl: g.instanceUrl } : {}) } }
      : {}),
    saveRefreshToken: async (token, info) => {
      if (!current()) throw new Error(`destination ${name} was reconnected meanwhile`);
      d.store.saveRefreshToken(name, token, info.expiresAt);
    },
    onStateChange,
  });
  // Keeps the newest access token too, so a restart uses it instead of minting another.
  let saved = g.accessToken;
  const keep = (r: TokenResult): TokenResult => {
    if (r.ok && r.token.accessToken !== saved && current()) {
      saved = r.token.accessToken;
      d.store.saveAccess(name, r.token);
    }
    return r;
  };
  return { canRefresh: true, token: async () => keep(await inner.token()), rejected: async (t) => keep(await inner.rejected(t)), state: () => inner.state() };
}

/**
 * One token provider per connected destination, built from its stored grant (the destinations
 * package's provider: refresh before expiry, once on a 401, single flight). A rotated refresh
 * token is sealed into the control store before the access token minted with it is handed out;
 * a grant the vendor refuses for good is marked there, so `destinations list` says "reconnect
 * required" after a restart too. Destinations without a stored grant get none (their
 * `config.accessToken`, if any, is used).
 */
export function grantTokens(d: GrantTokensDeps) {
  const providers = new Map<string, AccessTokenProvider>();
  return {
    /** The provider for a destination with a stored grant; the same one for every caller (single flight). */
    forDestination(name: string): AccessTokenProvider | undefined {
      const held = providers.get(name);
      if (held) return held;
      const g = d.store.get(name);
      if (!g) return undefined;
      const p = providerFor(d, name, g);
      providers.set(name, p);
      return p;
    },
    /** A new grant was stored: the next caller gets a provider built from it. */
    forget(name: string): void {
      providers.delete(name);
    },
    /** The live state of the providers built so far. */
    state(name: string): TokenState | undefined {
      return providers.get(name)?.state();
    },
  };
}
export type GrantTokens = ReturnType<typeof grantTokens>;
