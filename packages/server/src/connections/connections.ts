import type { AccessTokenProvider, Clock, FetchLike, Logger } from '@touchline/destinations';
import type Database from 'better-sqlite3';
import type { DestinationAccount } from '../activation/config/activation-config.js';
import { connectFlow, type ConnectFlow } from './connect-flow.js';
import { connectionViews, type ConnectionView } from './connection-list.js';
import { grantCipher } from './grant-cipher.js';
import { grantStore, type GrantStore } from './grant-store.js';
import { grantTokens } from './grant-tokens.js';

export interface ConnectionsOptions {
  /** The control store's handle (migration 4 made its tables). */
  readonly db: Database.Database;
  /** secrets.json `grantKey`. */
  readonly grantKey: string;
  readonly destinations: Readonly<Record<string, DestinationAccount>>;
  readonly fetch: FetchLike;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** `http://<admin host>:<admin port>/admin/oauth/callback` unless an account names its own. */
  readonly defaultRedirectUri: string;
  readonly random?: (bytes: number) => Buffer;
  readonly flowTtlMs?: number;
  /** Destinations spend pulls read through (`spend.pull.connections.*.connection`): asked for the reporting scopes too. */
  readonly reporting?: readonly string[];
}

/** Destination connections: grants in the control store, the connect flow, and the token providers built from them. */
export interface Connections {
  readonly store: GrantStore;
  readonly flow: ConnectFlow;
  /** The token provider the engine passes to a destination's `send` (`SendContext.auth`). */
  auth(destination: string): AccessTokenProvider | undefined;
  list(): ConnectionView[];
  /** Forgets a destination's grant (`touchline destinations disconnect`). */
  disconnect(destination: string): boolean;
  /** Every token the stored grants hold, for the log's redaction. */
  secrets(): string[];
}

export function openConnections(o: ConnectionsOptions): Connections {
  // The log asks for the secrets on every line: decrypted once per change of the grants, not per line.
  let tokenCache: string[] | null = null;
  const store = withChangeSignal(grantStore(o.db, grantCipher(o.grantKey), () => o.clock.now()), () => (tokenCache = null));
  const tokens = grantTokens({ store, destinations: o.destinations, fetch: o.fetch, clock: o.clock, ...(o.logger ? { logger: o.logger } : {}) });
  const flow = connectFlow({
    store, destinations: o.destinations, fetch: o.fetch, clock: o.clock, defaultRedirectUri: o.defaultRedirectUri,
    onConnected: (name) => tokens.forget(name),
    ...(o.reporting ? { reporting: new Set(o.reporting) } : {}),
    ...(o.logger ? { logger: o.logger } : {}),
    ...(o.random ? { random: o.random } : {}),
    ...(o.flowTtlMs !== undefined ? { flowTtlMs: o.flowTtlMs } : {}),
  });
  // Only configured destinations: a grant left behind by a removed account is not used.
  const auth = (name: string) => (o.destinations[name] ? tokens.forDestination(name) : undefined);
  return {
    store,
    flow,
    auth,
    list: () => connectionViews(o.destinations, (n) => store.get(n), (n) => tokens.state(n)),
    disconnect(name) {
      tokens.forget(name);
      return store.remove(name);
    },
    secrets: () => (tokenCache ??= store.list().flatMap((g) => [g.refreshToken, g.accessToken].filter((t): t is string => t !== undefined))),
  };
}

/** The store, telling `changed` after every write (so caches of what it holds are dropped). */
function withChangeSignal(store: GrantStore, changed: () => void): GrantStore {
  const after = <A extends unknown[], R>(fn: (...a: A) => R) => (...a: A): R => {
    const r = fn(...a);
    changed();
    return r;
  };
  return { ...store, connect: after(store.connect), saveRefreshToken: after(store.saveRefreshToken), saveAccess: after(store.saveAccess), markDead: after(store.markDead), remove: after(store.remove) };
}
