import type { TokenState } from '@touchline/destinations';
import type { DestinationAccount } from '../activation/config/activation-config.js';
import { destinationOf } from '../activation/engine/any-destination.js';
import type { StoredGrant } from './grant-store.js';

/**
 * What `touchline destinations list` shows of one destination account:
 * - `connected`: an OAuth grant is stored and works (or has not been tried yet);
 * - `expiring soon`: the refresh token dies within 30 days (LinkedIn's 365-day limit);
 * - `reconnect required`: the vendor refused the grant for good, or it can no longer be
 *   refreshed (LinkedIn without refresh rights after 60 days): `touchline destinations connect`;
 * - `misconfigured`: the vendor refused the OAuth client (id, secret, redirect URI);
 * - `not connected`: an OAuth destination with no grant and no token in its config;
 * - `credentials in config`: a token or API key from the config (by reference, or literal).
 */
export type ConnectionState = 'connected' | 'expiring soon' | 'reconnect required' | 'misconfigured' | 'not connected' | 'credentials in config';

export interface ConnectionView {
  readonly destination: string;
  readonly type: string;
  readonly auth: 'oauth' | 'token' | 'key';
  readonly provider: string | null;
  readonly state: ConnectionState;
  /** Why it needs attention (the vendor's code and advice), when it does. */
  readonly reason: string | null;
  readonly connectedAt: string | null;
  readonly connectedBy: string | null;
  readonly accessExpiresAt: string | null;
  readonly refreshExpiresAt: string | null;
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

function stateOf(grant: StoredGrant | undefined, live: TokenState | undefined, hasConfigToken: boolean): ConnectionState {
  if (!grant) return hasConfigToken ? 'credentials in config' : 'not connected';
  if (grant.status === 'misconfigured' || live?.status === 'misconfigured') return 'misconfigured';
  if (grant.status === 'reconnect_required' || live?.status === 'needs_reauth') return 'reconnect required';
  return live?.status === 'expiring_soon' ? 'expiring soon' : 'connected';
}

/** One row per configured destination account, in name order. Never a token. */
export function connectionViews(
  destinations: Readonly<Record<string, DestinationAccount>>,
  grantOf: (name: string) => StoredGrant | undefined,
  liveOf: (name: string) => TokenState | undefined,
): ConnectionView[] {
  return Object.keys(destinations)
    .sort()
    .map((name) => {
      const account = destinations[name]!;
      const auth = destinationOf(account.type)?.capabilities.auth;
      const grant = auth?.kind === 'oauth' ? grantOf(name) : undefined;
      const live = grant ? liveOf(name) : undefined;
      const hasConfigToken = auth?.kind !== 'oauth' || typeof account.config['accessToken'] === 'string';
      const state = stateOf(grant, live, hasConfigToken);
      const attention = state === 'reconnect required' || state === 'misconfigured';
      return {
        destination: name,
        type: account.type,
        auth: auth?.kind ?? 'key',
        provider: auth?.kind === 'oauth' ? auth.provider : null,
        state,
        reason: attention ? (live?.lastFailure?.reason ?? grant?.reason ?? null) : null,
        connectedAt: grant?.connectedAt ?? null,
        connectedBy: grant?.connectedBy ?? null,
        accessExpiresAt: iso(live?.accessExpiresAt ?? grant?.accessExpiresAt),
        refreshExpiresAt: iso(live?.refreshExpiresAt ?? grant?.refreshExpiresAt),
      };
    });
}
