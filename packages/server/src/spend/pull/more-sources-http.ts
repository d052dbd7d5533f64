import {
  classifyHttp,
  createRetryPolicy,
  staticToken,
  type AccessTokenProvider,
  type AuthorizedExchange,
  type HttpAnswer,
  type VendorRule,
} from '@touchline/destinations';
import { decimalToMicros } from '../decimal.js';
import { SpendPullError, type SpendPullContext } from './spend-source.js';

/**
 * What the LinkedIn, TikTok and Microsoft Advertising sources share: the vendor clients of
 * `@touchline/destinations` (their headers, their error rules), a retry budget for throttling
 * that waits through `ctx.sleep`, and one mapping of a final answer to a {@link SpendPullError}.
 */

/** Attempts per request, the first included; a pull that is still throttled after them stops. */
export const PULL_ATTEMPTS = 5;

/** The request context the vendor clients take, built from the pull's capabilities. */
export const requestContext = (ctx: SpendPullContext) => ({ fetch: ctx.fetch, clock: ctx.clock, ...(ctx.signal ? { signal: ctx.signal } : {}) });

/**
 * The connection's current token as the clients' provider. A fixed token (no refresh inside
 * the source): the runner's token provider refreshes between pulls, and a refused token is
 * the user's to fix, so a 401 ends the pull as `auth`.
 */
export async function pullToken(ctx: SpendPullContext): Promise<AccessTokenProvider> {
  return staticToken(await ctx.accessToken());
}

/** How one network reads a final (non-retried) refusal: is it the token / permission? */
export interface VendorReading {
  readonly network: string;
  readonly rules: readonly VendorRule[];
  /** True when the answer means the token is dead or lacks the reporting permission. */
  readonly authRefused: (answer: HttpAnswer) => boolean;
  /** What the user does then (the shared rules' own advice is about sending, not reporting). */
  readonly authHint: string;
}

/**
 * Sends `send` until the vendor answers something final. Throttling and transient errors wait
 * (the vendor's Retry-After when it gives one, else exponential back-off) through `ctx.sleep`,
 * at most {@link PULL_ATTEMPTS} attempts; then the pull stops as `throttled`. A refused token is
 * `auth`; any other refusal is `refused` with the vendor's reason.
 */
export async function answerOf(ctx: SpendPullContext, vendor: VendorReading, send: () => Promise<AuthorizedExchange>): Promise<HttpAnswer> {
  const policy = createRetryPolicy({ maxAttempts: PULL_ATTEMPTS, baseDelayMs: 2_000, maxDelayMs: 120_000 });
  for (let attempt = 1; ; attempt++) {
    if (ctx.signal?.aborted) throw new SpendPullError(vendor.network, 'refused', 'the pull was cancelled');
    const ex = await send();
    if (!ex.ok && 'auth' in ex) throw new SpendPullError(vendor.network, 'auth', `${ex.auth.reason}; reconnect the connection (touchline connections connect)`);
    const c = ex.ok ? classifyHttp(ex.answer, ctx.clock.now(), vendor.rules) : ex.failure;
    if (c.kind === 'success') {
      if (ex.ok) return ex.answer;
      throw contractBreak(vendor.network, 'a request without an answer was classified a success');
    }
    if (c.kind === 'permanent') {
      const answer = ex.ok ? ex.answer : undefined;
      if (answer && vendor.authRefused(answer)) throw new SpendPullError(vendor.network, 'auth', `${c.reason.split('; ')[0]}; ${vendor.authHint}`);
      throw new SpendPullError(vendor.network, 'refused', c.reason);
    }
    const decision = policy.decide({ status: c.kind === 'rate_limited' ? 'rate_limited' : 'retryable', ...(c.retryAfterMs === undefined ? {} : { retryAfterMs: c.retryAfterMs }) }, attempt);
    if (!decision.retry) throw new SpendPullError(vendor.network, 'throttled', `${c.reason}; still failing after ${attempt} attempts, try the pull again later`);
    await ctx.sleep(decision.delayMs);
  }
}

/** Account ids are digits on all three networks; anything else never reaches a URL, a body or a header. */
export function digitsId(network: string, what: string, value: string | undefined): string {
  const v = (value ?? '').trim();
  if (!/^\d{1,20}$/.test(v)) throw new SpendPullError(network, 'refused', `${what} must be digits only (got ${JSON.stringify(v.slice(0, 40))})`);
  return v;
}

/** A day `YYYY-MM-DD` that exists, else `refused`. */
export function dayOf(network: string, what: string, text: string): { year: number; month: number; day: number; ms: number } {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text) throw new SpendPullError(network, 'refused', `${what} must be a day YYYY-MM-DD (got ${JSON.stringify(text.slice(0, 20))})`);
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), ms };
}

const DAY_MS = 86_400_000;

/** The window's days as consecutive slices of at most `days` days each, both ends included. */
export function daySlices(network: string, since: string, until: string, days: number): { since: string; until: string }[] {
  const from = dayOf(network, 'since', since).ms;
  const to = dayOf(network, 'until', until).ms;
  if (to < from) throw new SpendPullError(network, 'refused', `the window ends (${until}) before it starts (${since})`);
  const out: { since: string; until: string }[] = [];
  for (let s = from; s <= to; s += days * DAY_MS) {
    const e = Math.min(to, s + (days - 1) * DAY_MS);
    out.push({ since: new Date(s).toISOString().slice(0, 10), until: new Date(e).toISOString().slice(0, 10) });
  }
  return out;
}

/** A contract break: the vendor answered something its documentation does not allow. */
export const contractBreak = (network: string, what: string): SpendPullError => new SpendPullError(network, 'contract', `unexpected answer: ${what}`);

/** A whole, non-negative count from a number or a numeric string; null when absent. */
export function countOf(network: string, what: string, value: unknown): number | null {
  if (value === undefined || value === null || value === '') return null;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw contractBreak(network, `${what} is not a whole number (${JSON.stringify(value)})`);
  return n;
}

/** A non-negative decimal (fractional conversions, a value) from a number or a string; null when absent. */
export function amountOf(network: string, what: string, value: unknown): number | null {
  if (value === undefined || value === null || value === '') return null;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isFinite(n) || n < 0) throw contractBreak(network, `${what} is not a number (${JSON.stringify(value)})`);
  return n;
}

/** The plain object at `value`, else a contract break naming `what`. */
export function objectAt(network: string, what: string, value: unknown): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw contractBreak(network, `${what} is not an object`);
  return value as Record<string, unknown>;
}

/** The array at `value`, else a contract break naming `what`. */
export function arrayAt(network: string, what: string, value: unknown): unknown[] {
  if (!Array.isArray(value)) throw contractBreak(network, `${what} is not a list`);
  return value;
}

/**
 * Exact micros of a vendor's decimal cost (a string, or a JSON number read by its shortest
 * decimal text). Micros are what Touchline stores; a cost with more than 6 decimals (LinkedIn
 * sends them) is rounded half up at the sixth, on the text, never through a float.
 */
export function costMicrosOf(network: string, what: string, value: unknown): bigint {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : typeof value === 'string' ? value.trim() : '';
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) throw contractBreak(network, `${what} is not a decimal amount (${JSON.stringify(value)})`);
  const frac = m[2] ?? '';
  if (frac.length <= 6) return decimalToMicros(text)!;
  const micros = decimalToMicros(`${m[1]}.${frac.slice(0, 6)}`)!;
  return frac.charCodeAt(6) >= 53 /* '5' */ ? micros + 1n : micros;
}
