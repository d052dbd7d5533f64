/** The header every call carries: the server refuses a cookie-signed change without it (CSRF). */
export const CSRF_HEADER = 'x-touchline-request';

/** An answer the server refused, with its reason as the server worded it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Calls the admin API with the session cookie (same origin only). Every call carries the CSRF
 * header, so a signed-in POST works and a forged one from another site does not.
 */
export async function api<T>(path: string, init: { method?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  const res = await fetch(path, {
    method: init.method ?? 'GET',
    credentials: 'same-origin',
    headers: { [CSRF_HEADER]: '1', ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    ...(init.signal ? { signal: init.signal } : {}),
  });
  const text = await res.text();
  const data = text === '' ? undefined : (JSON.parse(text) as unknown);
  if (!res.ok) {
    const message = (data as { message?: string; error?: string } | undefined)?.message ?? `${res.status} ${res.statusText}`;
    throw new ApiError(res.status, message);
  }
  return data as T;
}

/** `?since=…&until=…` of a range (empty parts left out). */
export function rangeQuery(r: { since: string; until: string }): string {
  const p = new URLSearchParams();
  if (r.since) p.set('since', r.since);
  if (r.until) p.set('until', r.until);
  const s = p.toString();
  return s ? `?${s}` : '';
}
