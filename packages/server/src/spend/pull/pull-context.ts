import type { AccessTokenProvider } from '@touchline/destinations';
import type { Clock } from '../../clock/clock.js';
import type { PullTarget } from './pull-runner.js';
import type { SpendConfig } from './spend-pull-config.js';
import { SpendPullError, type SpendPullContext } from './spend-source.js';

export interface PullContextDeps {
  readonly fetch: typeof globalThis.fetch;
  readonly clock: Clock;
  readonly sleep: (ms: number) => Promise<void>;
  /** The token provider of a destination's stored grant (connections.auth), when it has one. */
  readonly auth: (destination: string) => AccessTokenProvider | undefined;
  readonly signal?: AbortSignal;
}

/** The configured spend connections as the runner's targets. */
export function pullTargets(spend: SpendConfig): PullTarget[] {
  return Object.entries(spend.pull.connections).map(([name, c]) => ({ name, network: c.network, accounts: c.accounts, connection: c.connection }));
}

/**
 * A target's context: the token from its destination's grant (refreshed by that grant's
 * provider, single flight with activation's sends) or its own `credentials.accessToken`; the
 * other credentials as they are (already resolved from their references).
 */
export function pullContexts(spend: SpendConfig, d: PullContextDeps): (target: PullTarget) => SpendPullContext {
  return (target) => {
    const c = spend.pull.connections[target.name];
    if (!c) throw new Error(`no spend connection "${target.name}"`); // targets come from the same config
    const { accessToken: staticToken, ...credentials } = c.credentials;
    const accessToken = async (): Promise<string> => {
      if (c.connection === undefined) return staticToken ?? '';
      const provider = d.auth(c.connection);
      if (!provider) throw new SpendPullError(c.network, 'auth', `destination ${c.connection} has no stored grant: connect it first`);
      const r = await provider.token();
      if (!r.ok) throw new SpendPullError(c.network, 'auth', `destination ${c.connection}: ${r.failure.reason}`);
      return r.token.accessToken;
    };
    // A token the API refused: the grant's provider refreshes once, or marks the grant for reconnecting.
    const renewToken = async (rejected: string): Promise<string | null> => {
      const provider = c.connection !== undefined ? d.auth(c.connection) : undefined;
      if (!provider?.canRefresh) return null;
      const r = await provider.rejected(rejected);
      return r.ok ? r.token.accessToken : null;
    };
    return {
      fetch: d.fetch, accessToken, renewToken, credentials, clock: d.clock, sleep: d.sleep,
      ...(c.baseUrl !== undefined ? { baseUrl: c.baseUrl } : {}),
      ...(d.signal ? { signal: d.signal } : {}),
    };
  };
}
