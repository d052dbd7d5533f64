import { randomBytes } from 'node:crypto';
import { createPkce, pkceChallenge, type Clock, type FetchLike, type GrantResult, type Logger } from '@touchline/destinations';
import type { DestinationAccount } from '../activation/config/activation-config.js';
import type { GrantStore } from './grant-store.js';
import { ConnectionError, oauthAccount } from './oauth-apps.js';

export interface ConnectFlowDeps {
  readonly store: GrantStore;
  readonly destinations: Readonly<Record<string, DestinationAccount>>;
  readonly fetch: FetchLike;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** The admin listener's callback, for accounts without `oauth.redirectUri`. */
  readonly defaultRedirectUri: string;
  /** @defaultValue crypto.randomBytes */
  readonly random?: (bytes: number) => Buffer;
  /** How long a started flow waits for its callback. @defaultValue 10 minutes */
  readonly flowTtlMs?: number;
  /** Destinations a spend pull reads through: their consent asks for the reporting scopes too. @defaultValue none */
  readonly reporting?: ReadonlySet<string>;
  /** Told after every new grant (the token providers drop what they hold). */
  readonly onConnected?: (destination: string) => void;
}

/** A started flow: the URL to open in a browser, and until when its callback is accepted. */
export interface StartedConnect {
  readonly destination: string;
  readonly provider: string;
  readonly url: string;
  readonly redirectUri: string;
  readonly expiresAt: number;
}

/** A grant now stored. */
export interface Connected {
  readonly destination: string;
  readonly provider: string;
  /** false: the vendor gave no refresh token (LinkedIn for non-partner apps): reconnect when the access token ends. */
  readonly refreshable: boolean;
  readonly accessExpiresAt?: number;
  readonly refreshExpiresAt?: number;
  /** Who started the flow (the callback itself carries no credentials). */
  readonly by: string | null;
}

/**
 * The first grant of a destination (docs/activation.md, "Connecting"): the vendor's authorization
 * URL with a state (256 random bits) and PKCE where the vendor takes it, the code received on
 * the admin listener's callback (the state found, unexpired, and taken so a replay finds
 * nothing), or a refresh token pasted from elsewhere, tried once before it is stored.
 */
export function connectFlow(d: ConnectFlowDeps) {
  const random = d.random ?? randomBytes;
  const caps = { fetch: d.fetch, clock: d.clock, ...(d.logger ? { logger: d.logger } : {}) };

  /** Stores what the token endpoint answered, or says why it refused. */
  function store(destination: string, provider: string, result: GrantResult, by: string | null, pastedRefreshToken?: string): Connected {
    if (!result.ok) throw new ConnectionError(`${provider} refused the grant for destination ${destination}: ${result.failure.reason}`);
    const m = result.minted;
    const now = d.clock.now();
    const refreshToken = m.refreshToken ?? pastedRefreshToken;
    const accessExpiresAt = m.expiresInMs !== undefined ? now + m.expiresInMs : undefined;
    d.store.connect({
      destination, provider, by, accessToken: m.accessToken,
      ...(refreshToken !== undefined ? { refreshToken } : {}),
      ...(m.refreshExpiresAt !== undefined ? { refreshExpiresAt: m.refreshExpiresAt } : {}),
      ...(accessExpiresAt !== undefined ? { accessExpiresAt } : {}),
      ...(m.instanceUrl !== undefined ? { instanceUrl: m.instanceUrl } : {}),
    });
    d.onConnected?.(destination);
    return {
      destination, provider, refreshable: refreshToken !== undefined, by,
      ...(accessExpiresAt !== undefined ? { accessExpiresAt } : {}),
      ...(m.refreshExpiresAt !== undefined ? { refreshExpiresAt: m.refreshExpiresAt } : {}),
    };
  }

  return {
    /** Starts a flow for `destination`, on behalf of `by` (the member's e-mail, or the admin token). */
    begin(destination: string, by: string | null): StartedConnect {
      const a = oauthAccount(destination, d.destinations[destination], d.reporting?.has(destination) ? ['activation', 'reporting'] : ['activation']);
      const state = random(32).toString('base64url');
      const pkce = a.pkce ? createPkce(random) : undefined;
      const redirectUri = a.app.redirectUri ?? d.defaultRedirectUri;
      const expiresAt = d.clock.now() + (d.flowTtlMs ?? 10 * 60_000);
      d.store.putPending(state, { destination, redirectUri, startedBy: by, expiresAt, ...(pkce ? { verifier: pkce.verifier } : {}) });
      const url = a.vendor.authorizationUrl({ redirectUri, scopes: a.scopes, state, ...(pkce ? { pkce } : {}) });
      return { destination, provider: a.provider, url, redirectUri, expiresAt };
    },
    /** The callback: the state names the flow (once); the code is exchanged at the vendor's token endpoint. */
    async complete(state: string, code: string): Promise<Connected> {
      const pending = d.store.takePending(state);
      if (pending === undefined) throw new ConnectionError('this sign-in link is unknown or was already used: run `touchline destinations connect <name>` again');
      if (pending === 'expired') throw new ConnectionError('this sign-in link expired (10 minutes): run `touchline destinations connect <name>` again');
      const a = oauthAccount(pending.destination, d.destinations[pending.destination]);
      const pkce = pending.verifier !== undefined ? { verifier: pending.verifier, challenge: pkceChallenge(pending.verifier), method: 'S256' as const } : undefined;
      const result = await a.vendor.exchangeCode(caps, { code, redirectUri: pending.redirectUri, ...(pkce ? { pkce } : {}) });
      return store(pending.destination, a.provider, result, pending.startedBy);
    },
    /** A refresh token obtained elsewhere (`--refresh-token-file`): refreshed once, so a dead one is refused now. */
    async pasteRefreshToken(destination: string, refreshToken: string, by: string | null): Promise<Connected> {
      const a = oauthAccount(destination, d.destinations[destination]);
      if (!/^[\x21-\x7e]+$/.test(refreshToken)) throw new ConnectionError('the refresh token must be visible ASCII characters only (no spaces or line breaks inside)');
      const result = await a.vendor.refreshGrant(caps).mint(refreshToken);
      return store(destination, a.provider, result, by, refreshToken);
    },
  };
}
export type ConnectFlow = ReturnType<typeof connectFlow>;
