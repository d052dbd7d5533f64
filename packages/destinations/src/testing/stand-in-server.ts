import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../contract/context.js';
import { createDedupLedger } from './dedup-ledger.js';
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

const readAll = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

/**
 * Starts a vendor stand-in on a free local port. Every request is recorded; then, in order:
 * route (vendor 404), credential (vendor auth error), rate limit (vendor throttle answer),
 * scripted answers, random faults, and finally the vendor's own validation and acceptance.
 */
export async function startStandIn<T>(contract: VendorContract<T>, options: StandInOptions = {}): Promise<StandIn<T>> {
  const clock = options.clock ?? { now: () => Date.now() };
  const token = options.accessToken ?? 'test-token';
  const requests: RecordedRequest[] = [];
  const ledger = createDedupLedger<T>(contract.dedupWindowMs);
  const testItems: AcceptedItem<T>[] = [];
  const diagnostics: string[] = [];
  const queue: ScriptedAnswer[] = [];
  let faults: { rate: number; statuses: readonly number[]; random: () => number } | null = null;
  let limit: RateLimitOptions | null = options.rateLimit ?? null;
  const windows = new Map<string, { start: number; used: number }>();
  const random = seededRandom(options.seed ?? 1);

  const literal = (a: StandInAnswer): StandInAnswer =>
    a.body === undefined ? { ...a, body: contract.errorBody(a.status) } : a;

  const answer = (rec: RecordedRequest, index: number): StandInAnswer => {
    if (!contract.route(rec)) return contract.notFound(rec);
    const credential = contract.credential(rec);
    if (credential === null) return contract.unauthorized(rec, 'missing');
    if (options.tokens) {
      const verdict = options.tokens.check(credential);
      if (verdict !== 'valid') return contract.unauthorized(rec, verdict === 'expired' ? 'expired' : 'invalid');
    } else if (credential !== token) return contract.unauthorized(rec, 'invalid');
    const pre = contract.precheck?.(rec);
    if (pre) return pre;
    const now = clock.now();
    if (limit) {
      const key = credential;
      let w = windows.get(key);
      if (!w || now - w.start >= limit.windowMs) windows.set(key, (w = { start: now, used: 0 }));
      if (w.used >= limit.requests) return contract.rateLimited(Math.max(0, w.start + limit.windowMs - now));
      w.used++;
    }
    const next = queue.shift();
    if (next && 'status' in next) return literal(next);
    if (!next && faults && faults.random() < faults.rate) {
      const status = faults.statuses[Math.floor(faults.random() * faults.statuses.length)] ?? 500;
      return literal({ status });
    }
    return contract.handle(rec, {
      now,
      request: index,
      partial: next && 'partial' in next ? { indexes: next.partial, ...(next.code ? { code: next.code } : {}) } : undefined,
      random,
      accept: (key, item) => ledger.add(key, item, now, index),
      acceptTest: (key, item) => void testItems.push({ key, item, at: now, request: index, counted: false }),
      diagnose: (m) => void diagnostics.push(m),
    });
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const rawBody = await readAll(req);
      const url = new URL(req.url ?? '/', 'http://stand-in');
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      const rec: RecordedRequest = {
        method: req.method ?? 'GET',
        path: decodeURIComponent(url.pathname),
        query: Object.fromEntries(url.searchParams),
        rawQuery: url.search.replace(/^\?/, ''),
        headers,
        rawBody,
        body: parseRequestBody(rawBody, headers['content-type'] ?? ''),
        at: clock.now(),
        status: 0,
      };
      const index = requests.push(rec) - 1;
      let out: StandInAnswer;
      try {
        out = answer(rec, index);
      } catch (error) {
        out = { status: 500, body: { error: `stand-in bug: ${String(error)}` } };
      }
      rec.status = out.status;
      const text = out.body === undefined ? '' : typeof out.body === 'string' ? out.body : JSON.stringify(out.body);
      res.writeHead(out.status, { 'content-type': 'application/json; charset=utf-8', ...out.headers });
      res.end(text);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    name: contract.name,
    url: `http://127.0.0.1:${port}`,
    requests,
    accepted: ledger.items,
    testItems,
    diagnostics,
    count: ledger.count,
    received: ledger.received,
    script: (...answers) => void queue.push(...answers),
    fail: (o: FaultOptions) => {
      faults = o.rate > 0 ? { rate: o.rate, statuses: o.statuses, random: seededRandom(o.seed ?? 1) } : null;
    },
    setRateLimit: (l) => {
      limit = l;
      windows.clear();
    },
    reset: () => {
      requests.length = 0;
      ledger.clear();
      testItems.length = 0;
      diagnostics.length = 0;
      queue.length = 0;
      faults = null;
      windows.clear();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
