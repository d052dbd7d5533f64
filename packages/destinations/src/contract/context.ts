import type { AccessTokenProvider } from '../auth/access-token.js';

/** Milliseconds since the Unix epoch, read from an injected clock (tests pin it). */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Structured logger port; `fields` never contain secrets (tokens are redacted before logging). */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** The request a destination hands to `fetch`. */
export interface FetchInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

/** The parts of a `Response` a destination reads; the global `fetch` satisfies this. */
export interface FetchResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/** An injected HTTP client: the global `fetch`, undici, a recording wrapper in tests. */
export type FetchLike = (url: string, init: FetchInit) => Promise<FetchResponse>;

/** Everything `send` may use: capabilities are arguments, never reached for. */
export interface SendContext<C> {
  /** The parsed, validated destination config. */
  readonly config: C;
  readonly fetch: FetchLike;
  readonly clock: Clock;
  /** @defaultValue a logger that discards everything */
  readonly logger?: Logger;
  /** Aborts in-flight requests (sync cancelled, shutdown). */
  readonly signal?: AbortSignal;
  /**
   * Where OAuth destinations get their access token (refreshed before expiry and once on a 401).
   * @defaultValue a fixed token from `config.accessToken`, when the config has one
   */
  readonly auth?: AccessTokenProvider;
}

/** What an audience row does to the list: joins it, or leaves it. */
export type MemberOp = 'add' | 'remove';

/** What `map` may read besides the row and config: the time, so event-age rules stay pure. */
export interface MapEnv {
  /** Milliseconds since the Unix epoch. */
  readonly now: number;
  /**
   * Audience destinations (`capabilities.audience`): add the row's person to the list, or remove
   * them (the sync's diff: rows that entered the segment, rows that left it). Destinations that
   * declare `capabilities.deletes` delete the record of a `remove` row (mirror syncs); the others
   * ignore it. @defaultValue 'add'
   */
  readonly op?: MemberOp;
}
