import type { CampaignMeta } from '../campaigns.js';
import type { SpendRow } from '../spend-row.js';
import type { Clock } from '../../clock/clock.js';

/**
 * One ad network's reporting API, as `touchline spend pull` sees it. Each network (Google Ads GAQL
 * search stream, Meta Insights, LinkedIn adAnalytics, TikTok reporting, Microsoft Advertising
 * reporting) implements this in its own file under src/spend/pull/; the runner (pull-runner) owns
 * windows, idempotent day replacement, progress, scheduling and the connection's tokens.
 */
export interface SpendSource {
  /** One of `KNOWN_NETWORKS` (src/spend/spend-row.ts). */
  readonly network: string;
  /** The OAuth scopes (or permissions) reporting needs, which the connect flow asks for. */
  readonly scopes: readonly string[];
  /**
   * The spend of every campaign (and ad group / ad set where the API reports it) of one account
   * for each day of the window, as pages. A network that restates recent days is simply pulled
   * again: the runner replaces whole days. Throws {@link SpendPullError} for what the user must act on.
   */
  pull(window: SpendWindow, context: SpendPullContext): AsyncIterable<SpendPage>;
  /**
   * The account as the rows spell it (`123-456-7890` → `1234567890`), throwing
   * {@link SpendPullError} `refused` for an id that is none: the runner finds the account's last
   * pulled day by it and refuses a hostile id before any call. @defaultValue the account as given
   */
  readonly accountKey?: (account: string) => string;
}

/** Days are the account's own calendar days, `YYYY-MM-DD`, both ends included. */
export interface SpendWindow {
  readonly account: string;
  readonly since: string;
  readonly until: string;
}

export interface SpendPage {
  readonly rows: readonly SpendRow[];
  /** Campaign metadata seen on this page (names, status, objective, Google's types). */
  readonly campaigns: readonly CampaignMeta[];
}

/** What a source may use: nothing global, so tests drive it against a stand-in with a manual clock. */
export interface SpendPullContext {
  readonly fetch: typeof globalThis.fetch;
  /** A valid access token for the connection (refreshed by the connection's token provider). */
  readonly accessToken: () => Promise<string>;
  /**
   * The API refused `rejected` as a dead token: a fresh one, or null when there is none (the
   * grant is then marked for reconnecting). Sources ask once per call, then report `auth`.
   * @defaultValue none: a refused token is `auth` at once
   */
  readonly renewToken?: (rejected: string) => Promise<string | null>;
  /** Non-token credentials a network needs (Google Ads `developer-token`, `login-customer-id`). */
  readonly credentials: Readonly<Record<string, string>>;
  /** Base URL override for a stand-in; each source defaults to the vendor's production host. */
  readonly baseUrl?: string;
  readonly clock: Clock;
  /** Waits (async report polling, throttling back-off); tests pass one that advances the clock. */
  readonly sleep: (ms: number) => Promise<void>;
  readonly signal?: AbortSignal;
}

/** Why a pull stopped, in terms a user can act on. */
export type SpendPullFailure =
  /** The token is dead or lacks the reporting scope: reconnect (`touchline connections connect`). */
  | 'auth'
  /** Throttled past the retry budget: try later. */
  | 'throttled'
  /** The API answered with something its contract does not allow. */
  | 'contract'
  /** The vendor reported the data incomplete (a failed async job, a partial-failure flag). */
  | 'partial'
  /** Any other refusal (bad account id, missing developer token…). */
  | 'refused';

export class SpendPullError extends Error {
  constructor(
    readonly network: string,
    readonly failure: SpendPullFailure,
    message: string,
  ) {
    super(`${network}: ${message}`);
    this.name = 'SpendPullError';
  }
}
