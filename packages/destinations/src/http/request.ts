import type { SendContext } from '../contract/context.js';
import { silentLogger } from '../contract/context.js';
import { classifyNetworkError, type Classification, type HttpAnswer } from './classify.js';

export interface JsonRequest {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  readonly url: string;
  readonly headers: Record<string, string>;
  /** Serialised with `JSON.stringify`; absent for a GET. */
  readonly body?: unknown;
  /**
   * The exact body bytes to send instead of `body` (a signed webhook signs these bytes, so they
   * must be the ones on the wire).
   */
  readonly rawBody?: string;
}

export type Exchange =
  | { readonly ok: true; readonly answer: HttpAnswer }
  | { readonly ok: false; readonly failure: Classification };

/** The capabilities a request needs: any `SendContext` has them. */
export type RequestContext = Pick<SendContext<unknown>, 'fetch' | 'clock' | 'logger' | 'signal'>;

/** Hides secrets that travel in URLs (Meta's `access_token`) before a URL is logged. */
export const redactUrl = (url: string): string =>
  url.replace(/([?&](?:access_token|key|token|api_key)=)[^&]*/gi, '$1***');

/** Parses a body as JSON when it is JSON, else keeps the text (a proxy's HTML error page). */
export function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * Sends one JSON request through the injected `fetch`. A request that never got an answer is a
 * value (`ok: false`, classified retryable), not an exception: failures are values.
 */
export async function exchangeJson(ctx: RequestContext, req: JsonRequest): Promise<Exchange> {
  const log = ctx.logger ?? silentLogger;
  const started = ctx.clock.now();
  const body = req.rawBody ?? (req.body === undefined ? undefined : JSON.stringify(req.body));
  try {
    const res = await ctx.fetch(req.url, {
      method: req.method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), accept: 'application/json', ...req.headers },
      ...(body === undefined ? {} : { body }),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    const parsed = parseBody(await res.text());
    log.debug('destination request', { method: req.method, url: redactUrl(req.url), status: res.status, ms: ctx.clock.now() - started });
    return { ok: true, answer: { status: res.status, headers: res.headers, body: parsed } };
  } catch (error) {
    log.warn('destination request failed without an answer', {
      method: req.method,
      url: redactUrl(req.url),
      error: error instanceof Error ? error.message : String(error),
    });
    return { ok: false, failure: classifyNetworkError(error) };
  }
}

/** Joins a base URL (config `endpoint`) and a path without doubling or dropping the slash. */
export const joinUrl = (base: string, path: string): string =>
  `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;

/** Encodes one URL path segment (an id from config never changes the path's shape). */
export const pathSegment = (value: string): string => encodeURIComponent(value);
