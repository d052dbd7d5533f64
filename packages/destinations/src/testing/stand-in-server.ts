import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../contract/context.js';
import { createDedupLedger, type DedupLedger } from './dedup-ledger.js';
import { listenLocal, readAll, stringHeaders, type LocalServer } from './local-server.js';
import { seededRandom } from './seeded-random.js';
import type {
  AcceptedItem,
  FaultOptions,
  RateLimitOptions,
  RecordedRequest,
  ScriptedAnswer,
  StandIn,
  StandInAnswer,
} from './stand-in-types.js';

/** Options every stand-in takes. */
export interface StandInOptions {
  /** The stand-in's notion of now (event-age rules, rate windows). @defaultValue system clock */
  readonly clock?: Clock;
  /** The credential the stand-in accepts. @defaultValue `"test-token"` */
  readonly accessToken?: string;
  /**
   * Accept the tokens a token-endpoint stand-in minted instead of the one fixed `accessToken`:
   * an expired token is answered with the vendor's 401, as the real API does mid-run.
   */
  readonly tokens?: TokenAuthority;
  /** Request rate per credential; answered the vendor's way when exceeded. @defaultValue none */
  readonly rateLimit?: RateLimitOptions;
  /** Seed for out-of-order answers and ids. @defaultValue 1 */
  readonly seed?: number;
}

/** Says whether an access token is one a token endpoint issued and whether it still works. */
export interface TokenAuthority {
  check(token: string): 'valid' | 'expired' | 'unknown';
}

/** Why a request's credential was refused. */
export type Refusal = 'missing' | 'invalid' | 'expired';

/** What a vendor's handler may do with a request that passed routing, auth and rate limits. */
export interface HandlerContext<T> {
  readonly now: number;
  readonly request: number;
  /** Set when the test scripted a per-row failure for this request. */
  readonly partial: { readonly indexes: readonly number[]; readonly code?: string } | undefined;
  readonly random: () => number;
  /** Records a production item; answers whether the vendor counted it (dedup). */
  accept(key: string, item: T): boolean;
  /** Records an item received in test mode (validateOnly, test_event_code). */
  acceptTest(key: string, item: T): void;
  /** Notes something the vendor reports without rejecting. */
  diagnose(message: string): void;
}

/** One vendor's contract, plugged into the shared server. */
export interface VendorContract<T> {
  readonly name: string;
  /** The vendor's dedup window for `count` (Infinity: forever). */
  readonly dedupWindowMs: number;
  /** Whether this path and method exist; otherwise the vendor's 404. */
  route(req: RecordedRequest): boolean;
  notFound(req: RecordedRequest): StandInAnswer;
  /** The credential the request carries, or null. */
  credential(req: RecordedRequest): string | null;
  unauthorized(req: RecordedRequest, why: Refusal): StandInAnswer;
  /** Checks besides the credential that every request must pass (API version header, ...). */
  precheck?(req: RecordedRequest): StandInAnswer | undefined;
  /** The vendor's throttle answer (status, headers, body), given the wait left in the window. */
  rateLimited(retryAfterMs: number): StandInAnswer;
  /** The vendor's error body for a literal status a test scripted without a body. */
  errorBody(status: number): unknown;
  handle(req: RecordedRequest, ctx: HandlerContext<T>): StandInAnswer;
}

function parseRequestBody(raw: string, contentType: string): unknown {
  if (raw === '') return undefined;
  if (contentType.includes('application/x-www-form-urlencoded')) {
    const form: Record<string, unknown> = {};
    for (const [k, v] of new URLSearchParams(raw)) {
      // Meta's documented form encoding carries `data` as a JSON string.
      try {
        form[k] = k === 'data' ? (JSON.parse(v) as unknown) : v;
      } catch {
        form[k] = v;
      }
    }
    return form;
  }
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

/** What one stand-in holds between requests: the record, the vendor's ledger, and the test's cues. */
interface StandInState<T> {
  readonly clock: Clock;
  readonly requests: RecordedRequest[];
  readonly ledger: DedupLedger<T>;
  readonly testItems: AcceptedItem<T>[];
  readonly diagnostics: string[];
  readonly queue: ScriptedAnswer[];
  readonly random: () => number;
  faults: { rate: number; statuses: readonly number[]; random: () => number } | null;
  limit: RateLimitOptions | null;
  /** The current rate window per credential. */
  readonly windows: Map<string, { start: number; used: number }>;
}

function newState<T>(contract: VendorContract<T>, options: StandInOptions): StandInState<T> {
  return {
    clock: options.clock ?? { now: () => Date.now() },
    requests: [],
    ledger: createDedupLedger<T>(contract.dedupWindowMs),
    testItems: [],
    diagnostics: [],
    queue: [],
    random: seededRandom(options.seed ?? 1),
    faults: null,
    limit: options.rateLimit ?? null,
    windows: new Map(),
  };
}

/** Route, credential and the vendor's precheck: the refusal, or the credential that passed. */
function admit<T>(contract: VendorContract<T>, options: StandInOptions, rec: RecordedRequest): StandInAnswer | { credential: string } {
  if (!contract.route(rec)) return contract.notFound(rec);
  const credential = contract.credential(rec);
  if (credential === null) return contract.unauthorized(rec, 'missing');
  if (options.tokens) {
    const verdict = options.tokens.check(credential);
    if (verdict !== 'valid') return contract.unauthorized(rec, verdict === 'expired' ? 'expired' : 'invalid');
  } else if (credential !== (options.accessToken ?? 'test-token')) return contract.unauthorized(rec, 'invalid');
  return contract.precheck?.(rec) ?? { credential };
}

/** Counts a request in its credential's window: the wait left when the window is used up. */
function overLimit(state: StandInState<unknown>, credential: string, now: number): number | undefined {
  const limit = state.limit;
  if (!limit) return undefined;
  let w = state.windows.get(credential);
  if (!w || now - w.start >= limit.windowMs) state.windows.set(credential, (w = { start: now, used: 0 }));
  if (w.used >= limit.requests) return Math.max(0, w.start + limit.windowMs - now);
  w.used++;
  return undefined;
}

/** A scripted literal answer, else a random fault when faults are on and the draw says so. */
function cuedAnswer<T>(contract: VendorContract<T>, state: StandInState<T>, next: ScriptedAnswer | undefined): StandInAnswer | undefined {
  const literal = (a: StandInAnswer): StandInAnswer => (a.body === undefined ? { ...a, body: contract.errorBody(a.status) } : a);
  if (next && 'status' in next) return literal(next);
  const faults = state.faults;
  if (!next && faults && faults.random() < faults.rate) {
    const status = faults.statuses[Math.floor(faults.random() * faults.statuses.length)] ?? 500;
    return literal({ status });
  }
  return undefined;
}

/** What the vendor's handler may do with one admitted request. */
function handlerContext<T>(state: StandInState<T>, now: number, index: number, next: ScriptedAnswer | undefined): HandlerContext<T> {
  return {
    now,
    request: index,
    partial: next && 'partial' in next ? { indexes: next.partial, ...(next.code ? { code: next.code } : {}) } : undefined,
    random: state.random,
    accept: (key, item) => state.ledger.add(key, item, now, index),
    acceptTest: (key, item) => void state.testItems.push({ key, item, at: now, request: index, counted: false }),
    diagnose: (m) => void state.diagnostics.push(m),
  };
}

/** The steps in order: admission, rate limit, the test's cues, then the vendor's own handling. */
function answer<T>(contract: VendorContract<T>, options: StandInOptions, state: StandInState<T>, rec: RecordedRequest, index: number): StandInAnswer {
  const admitted = admit(contract, options, rec);
  if (!('credential' in admitted)) return admitted;
  const now = state.clock.now();
  const wait = overLimit(state as StandInState<unknown>, admitted.credential, now);
  if (wait !== undefined) return contract.rateLimited(wait);
  const next = state.queue.shift();
  return cuedAnswer(contract, state, next) ?? contract.handle(rec, handlerContext(state, now, index, next));
}

/** The request as the test will see it: path decoded, query parsed, raw bytes kept. */
function recordOf(req: IncomingMessage, rawBody: string, at: number): RecordedRequest {
  const url = new URL(req.url ?? '/', 'http://stand-in');
  const headers = stringHeaders(req);
  return {
    method: req.method ?? 'GET',
    path: decodeURIComponent(url.pathname),
    query: Object.fromEntries(url.searchParams),
    rawQuery: url.search.replace(/^\?/, ''),
    headers,
    rawBody,
    body: parseRequestBody(rawBody, headers['content-type'] ?? ''),
    at,
    status: 0,
  };
}

/** Records one request, answers it, and writes the answer (a handler that throws is a stand-in bug: 500). */
async function serveOne<T>(contract: VendorContract<T>, options: StandInOptions, state: StandInState<T>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const rec = recordOf(req, await readAll(req), state.clock.now());
  const index = state.requests.push(rec) - 1;
  let out: StandInAnswer;
  try {
    out = answer(contract, options, state, rec, index);
  } catch (error) {
    out = { status: 500, body: { error: `stand-in bug: ${String(error)}` } };
  }
  rec.status = out.status;
  const text = out.body === undefined ? '' : typeof out.body === 'string' ? out.body : JSON.stringify(out.body);
  res.writeHead(out.status, { 'content-type': 'application/json; charset=utf-8', ...out.headers });
  res.end(text);
}

/** What a test holds: the record, the vendor's counts, and the cues it can give. */
function standInHandle<T>(name: string, state: StandInState<T>, server: LocalServer): StandIn<T> {
  const { ledger } = state;
  return {
    name,
    url: server.url,
    requests: state.requests,
    accepted: ledger.items,
    testItems: state.testItems,
    diagnostics: state.diagnostics,
    count: ledger.count,
    received: ledger.received,
    script: (...answers) => void state.queue.push(...answers),
    fail: (o: FaultOptions) => {
      state.faults = o.rate > 0 ? { rate: o.rate, statuses: o.statuses, random: seededRandom(o.seed ?? 1) } : null;
    },
    setRateLimit: (l) => {
      state.limit = l;
      state.windows.clear();
    },
    reset: () => {
      state.requests.length = 0;
      ledger.clear();
      state.testItems.length = 0;
      state.diagnostics.length = 0;
      state.queue.length = 0;
      state.faults = null;
      state.windows.clear();
    },
    close: () => server.close(),
  };
}

/**
 * Starts a vendor stand-in on a free local port. Every request is recorded; then, in order:
 * route (vendor 404), credential (vendor auth error), rate limit (vendor throttle answer),
 * scripted answers, random faults, and finally the vendor's own validation and acceptance.
 */
export async function startStandIn<T>(contract: VendorContract<T>, options: StandInOptions = {}): Promise<StandIn<T>> {
  const state = newState(contract, options);
  const server = await listenLocal((req, res) => serveOne(contract, options, state, req, res));
  return standInHandle(contract.name, state, server);
}

/**
 * A stand-in with the vendor's own state beside the shared record: `extra` adds what the test
 * reads (users, records, clicks), and `reset` clears the vendor's state as well.
 */
export function withVendorState<T, X extends object>(base: StandIn<T>, extra: X, clear: () => void): StandIn<T> & X {
  const reset = base.reset;
  return Object.assign(base, extra, {
    reset: () => {
      reset();
      clear();
    },
  });
}
