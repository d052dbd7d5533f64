/**
 * Sync modes, as the reverse-ETL products name them (activation-contracts.md §11.1-§11.5,
 * Grouparoo's sync/additive/enrich in §12.2).
 */
export const SYNC_MODES = {
  /** Create only: append events or conversions; never touches what exists. */
  insert: 'insert',
  /** Update existing records only (Grouparoo "enrich"). */
  update: 'update',
  /** Create or update by a key (Grouparoo "additive"). */
  upsert: 'upsert',
  /** Make the destination match the model, deleting records that left it (Grouparoo "sync"). */
  mirror: 'mirror',
  /**
   * Keep a customer list in step with a segment: rows that entered are added as members, rows
   * that left are removed (Hightouch "list/audience syncs", activation-contracts.md §11.1). Only
   * destinations with `capabilities.audience` take it; the host passes `MapEnv.op` per row.
   */
  audience: 'audience',
} as const;
export type SyncMode = (typeof SYNC_MODES)[keyof typeof SYNC_MODES];

/** Which sync modes delete records in the destination. */
export const MODE_DELETES: Readonly<Record<SyncMode, boolean>> = {
  insert: false,
  update: false,
  upsert: false,
  mirror: true,
  audience: true,
};

/** A documented request rate, for a token bucket per destination account. */
export interface RateLimit {
  /** Requests allowed per window. */
  readonly requests: number;
  /** Window length in milliseconds. */
  readonly windowMs: number;
  /** What the vendor counts against: the ad account, the Cloud project, the org, the app. */
  readonly scope: 'account' | 'project' | 'org' | 'app';
  /** Where the number comes from (research section / vendor page). */
  readonly source: string;
}

/** How a destination does a dry run the vendor understands. */
export type TestModeSupport<C> =
  | { readonly kind: 'none'; readonly note: string }
  | {
      /** `validate_only`: Google `validateOnly`; `test_event_code`: Meta Test Events. */
      readonly kind: 'validate_only' | 'test_event_code';
      /** Returns a config that makes the next sends test requests. */
      readonly enable: (config: C, testCode?: string) => C;
    };

/** The OAuth providers Touchline has clients for (`src/auth/providers`). */
export type OAuthProviderName = 'google' | 'hubspot' | 'linkedin' | 'microsoft' | 'salesforce';

/**
 * How a destination authenticates, declared so the host knows which OAuth client to build and
 * which scopes to ask for:
 * - `oauth`: an access token from the provider's OAuth flow, passed as `SendContext.auth`; a
 *   fixed `accessToken` in the config still works (tests, simple setups);
 * - `token`: a long-lived token with no refresh flow (Meta system user, TikTok), in
 *   `config.accessToken` or from a provider the host builds around a secret store;
 * - `key`: API keys or signing secrets in the config (Braze, Customer.io, Amplitude, webhooks).
 */
export type AuthSupport =
  | { readonly kind: 'oauth'; readonly provider: OAuthProviderName; readonly scopes: readonly string[] }
  | { readonly kind: 'token'; readonly note: string }
  | { readonly kind: 'key'; readonly configKeys: readonly string[] };

/** What an audience destination keeps in step (`SYNC_MODES.audience`). */
export interface AudienceSupport {
  /** How the vendor identifies a member (hashed email, phone, ...). */
  readonly matchKeys: readonly string[];
  /** The dedup key of a mapped row is the member's identity: an add and a later remove share it. */
  readonly memberKey: string;
  /** How long after a change the list reflects it, as the vendor documents it. */
  readonly note: string;
}

/** What a destination can do, declared as data so the engine and the UI can read it. */
export interface Capabilities<C> {
  readonly syncModes: readonly SyncMode[];
  /** The vendor field each mapped row's dedup key fills (`transactionId`, `event_id`, ...). */
  readonly dedupKey: { readonly field: string; readonly semantics: string };
  /** `null` when the vendor documents no fixed rate (Meta throttles adaptively). */
  readonly rateLimit: RateLimit | null;
  /** The token-bucket key for a config: requests against one key share one bucket. */
  readonly rateLimitKey: (config: C) => string;
  readonly testMode: TestModeSupport<C>;
  /** Every destination takes an `endpoint` config key (proxies, regional hosts, stand-ins). */
  readonly endpointConfigKey: 'endpoint';
  /** Ad networks get the consent guard: no `ad_user_data` consent or GPC set -> never sent. */
  readonly adNetwork: boolean;
  /**
   * The vendor refuses a whole request for one bad item (Meta, Data Manager): the engine should
   * keep batches small after a refusal and resend `isolate`d rows alone.
   */
  readonly atomicBatches: boolean;
  readonly auth: AuthSupport;
  /** Present on destinations that keep a customer list (`add` / `remove` per row). */
  readonly audience?: AudienceSupport;
  /**
   * The vendor's standard event names, for a column a mapping may fill with a constant: a
   * constant outside the list is a config error (a custom event must come from a source column,
   * so a typo such as `Purchased` cannot pass for a standard event).
   */
  readonly standardEvents?: StandardEvents;
  /**
   * Present on destinations that delete records: a mirror sync's removed row reaches `map` with
   * `MapEnv.op: 'remove'` and becomes a delete request. Without it a removal clears the mapped
   * fields (the record stays).
   */
  readonly deletes?: DeleteSupport;
}

/** How a destination deletes a record that left a mirror sync's source. */
export interface DeleteSupport {
  /** What the vendor does with a deleted record (archive, recycle bin) and the calls it takes. */
  readonly note: string;
}

/** A vendor's standard event names and the row column that carries them. */
export interface StandardEvents {
  readonly column: string;
  readonly names: readonly string[];
  /** The vendor page the list follows. */
  readonly source: string;
}
