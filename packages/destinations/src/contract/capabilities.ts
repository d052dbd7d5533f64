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
} as const;
export type SyncMode = (typeof SYNC_MODES)[keyof typeof SYNC_MODES];

/** Which sync modes delete records in the destination. */
export const MODE_DELETES: Readonly<Record<SyncMode, boolean>> = {
  insert: false,
  update: false,
  upsert: false,
  mirror: true,
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
}
