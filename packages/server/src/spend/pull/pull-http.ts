import { SpendPullError, type SpendPullContext } from './spend-source.js';

/** One answer of a reporting API, its body parsed as JSON when it parses (else the text). */
export interface PullAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

/** What one attempt came to: a value, or a failure that a later attempt may not repeat. */
export type Attempt<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: SpendPullError; readonly retry: boolean; readonly waitMs?: number };

export interface RetryBudget {
  /** Attempts in all, the first included. @defaultValue 5 */
  readonly attempts?: number;
  /** First back-off when the vendor names no wait; doubles each time. @defaultValue 2000 */
  readonly baseMs?: number;
  /** @defaultValue 300000 */
  readonly maxMs?: number;
}

/** Sends one request; a network failure (DNS, reset) is an answer of status 0, which callers retry. */
export async function send(ctx: SpendPullContext, url: string, init: RequestInit): Promise<PullAnswer> {
  try {
    const res = await ctx.fetch(url, { ...init, ...(ctx.signal ? { signal: ctx.signal } : {}) });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text === '' ? null : (JSON.parse(text) as unknown);
    } catch {
      // Not JSON (a proxy's HTML page): the text stays, and the source calls it a contract breach.
    }
    return { status: res.status, headers: res.headers, body };
  } catch (err) {
    if (ctx.signal?.aborted) throw err;
    return { status: 0, headers: new Headers(), body: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Sends with the current token; when the answer says the token is dead (`dead`) and the context
 * can renew it, sends once more with the renewed one (research §C0: on a 401, refresh once and
 * retry once). A token refused twice is left for the caller to report as `auth`.
 */
export async function sendAuthorized(ctx: SpendPullContext, url: string, init: (token: string) => RequestInit, dead: (a: PullAnswer) => boolean): Promise<PullAnswer> {
  const token = await ctx.accessToken();
  const a = await send(ctx, url, init(token));
  if (!dead(a) || !ctx.renewToken) return a;
  const fresh = await ctx.renewToken(token);
  return fresh && fresh !== token ? send(ctx, url, init(fresh)) : a;
}

/**
 * Runs `attempt` until it succeeds, fails for good, or the budget is spent. Waits go through
 * `ctx.sleep` (a test's manual clock): the vendor's own wait when it names one (Google's
 * `retryDelay`, Meta's `estimated_time_to_regain_access`), else exponential back-off. A failure
 * still retryable when the budget ends is thrown as it is (`throttled` for a quota).
 */
export async function withRetries<T>(ctx: SpendPullContext, attempt: () => Promise<Attempt<T>>, budget: RetryBudget = {}): Promise<T> {
  const attempts = budget.attempts ?? 5;
  const base = budget.baseMs ?? 2000;
  const max = budget.maxMs ?? 300_000;
  for (let n = 1; ; n++) {
    const a = await attempt();
    if (a.ok) return a.value;
    if (!a.retry || n >= attempts) throw a.error;
    await ctx.sleep(Math.min(max, a.waitMs ?? base * 2 ** (n - 1)));
  }
}

/** `YYYY-MM-DD` that is a real calendar day: the only date text a source puts into a query. */
export function isDay(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

/** Refuses a window whose days are not real days or run backwards, before anything is sent. */
export function checkWindow(network: string, since: string, until: string): void {
  if (!isDay(since) || !isDay(until)) throw new SpendPullError(network, 'refused', `the window ${JSON.stringify(since)}..${JSON.stringify(until)} must be two days written YYYY-MM-DD`);
  if (since > until) throw new SpendPullError(network, 'refused', `the window starts (${since}) after it ends (${until})`);
}

/** A whole number from the JSON numbers or int64 strings vendors send, or null. */
export function count(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  return null;
}

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
