import type { Clock, FetchLike, Logger } from '../../contract/context.js';

/** What an OAuth client needs from the host: capabilities are arguments, never reached for. */
export interface OAuthCaps {
  readonly fetch: FetchLike;
  readonly clock: Clock;
  readonly logger?: Logger;
}

/** A registered OAuth app (client). */
export interface OAuthClient {
  readonly clientId: string;
  /** Absent for public clients using PKCE only (Microsoft allows it). */
  readonly clientSecret?: string;
}
