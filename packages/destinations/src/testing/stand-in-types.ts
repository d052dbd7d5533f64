/** A request as a stand-in received it: raw bytes kept for hashing and signature assertions. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** The query string as sent, before decoding (Rest.li's encoding rules are about these bytes). */
  readonly rawQuery?: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly rawBody: string;
  /** The body parsed as JSON (or as a form whose `data` field is JSON), else the raw text. */
  readonly body: unknown;
  readonly at: number;
  /** HTTP status the stand-in answered with. */
  status: number;
}

/** A literal answer. */
export interface StandInAnswer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** JSON-encoded unless a string. Omitted: the vendor's own error body for `status`. */
  readonly body?: unknown;
}

/**
 * The next answer on cue: a literal answer, or the vendor's per-row failure for the items at
 * `indexes` of the next batch (Salesforce `success:false` elements, HubSpot 207 errors, Data
 * Manager's fast-fail field violation, Meta's whole-batch refusal). `code` picks the vendor error
 * code where the vendor has several (Salesforce `UNABLE_TO_LOCK_ROW` is retryable).
 */
export type ScriptedAnswer = StandInAnswer | { readonly partial: readonly number[]; readonly code?: string };

/** Random faults: each request fails with probability `rate`, with one of `statuses`, seeded. */
export interface FaultOptions {
  readonly rate: number;
  readonly statuses: readonly number[];
  /** @defaultValue 1 */
  readonly seed?: number;
}

export interface RateLimitOptions {
  readonly requests: number;
  readonly windowMs: number;
}

/** An item the vendor accepted, with the key it dedups on. */
export interface AcceptedItem<T> {
  readonly key: string;
  readonly item: T;
  readonly at: number;
  /** Index into `requests` of the request that carried it. */
  readonly request: number;
  /** Whether the vendor counted it (false: a duplicate inside the vendor's dedup window). */
  readonly counted: boolean;
}

/** What every stand-in offers a test. */
export interface StandIn<T = unknown> {
  readonly name: string;
  /** Base URL (`http://127.0.0.1:<port>`): put it in the destination config's `endpoint`. */
  readonly url: string;
  readonly requests: readonly RecordedRequest[];
  /** Production items accepted, in arrival order, duplicates included (see `counted`). */
  readonly accepted: readonly AcceptedItem<T>[];
  /** Items accepted in the vendor's test mode (validateOnly, test_event_code): never counted. */
  readonly testItems: readonly AcceptedItem<T>[];
  /** Observations the vendor reports without rejecting (Meta diagnostics such as expired fbc). */
  readonly diagnostics: readonly string[];
  /** How many times the vendor counted this dedup key (1 = delivered exactly once). */
  count(key: string): number;
  /** How many times an item with this key arrived and was accepted, duplicates included. */
  received(key: string): number;
  /** Queues answers for the next requests, in order. */
  script(...answers: ScriptedAnswer[]): void;
  /** Injects random faults, deterministically from `seed`; `fail({ rate: 0 })` stops. */
  fail(options: FaultOptions): void;
  /** Enforces a request rate per credential; `null` turns it off. */
  setRateLimit(limit: RateLimitOptions | null): void;
  /**
   * Audience stand-ins: the list's members now, by the key the destination uses as the row's
   * dedup key (its first match key).
   */
  members?(): ReadonlySet<string>;
  /** Forgets requests, items, scripts and faults. */
  reset(): void;
  close(): Promise<void>;
}
