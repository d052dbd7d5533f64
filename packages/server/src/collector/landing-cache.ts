import { touchFromLanding, type Touch } from '@touchline/protocol';

/** What the collector derives from an event's page URL and referrer, before `context.campaign`. */
export interface Landing {
  /** The URL's host name, as `URL` gives it; absent when the URL does not parse. */
  readonly host?: string;
  readonly pathname?: string;
  /** `?…`, absent when empty. */
  readonly search?: string;
  /** UTMs, click ids and referrer domain (shared by every caller: read only). */
  readonly touch: Readonly<Touch>;
}

function parseLanding(url: string | undefined, referrer: string | undefined): Landing {
  let parsed: URL | undefined;
  if (url) {
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined; // not a URL: stored as sent, without parts
    }
  }
  const touch = touchFromLanding(url, referrer);
  if (!parsed) return { touch };
  return { host: parsed.hostname, pathname: parsed.pathname, ...(parsed.search ? { search: parsed.search } : {}), touch };
}

/**
 * The landing of a (URL, referrer) pair, remembered: a site's events repeat the same pages and
 * referrers, and parsing them (WHATWG URL, the query's UTMs and click ids, the referrer's host)
 * was the largest part of building a row. Bounded like the user-agent cache (the oldest half is
 * dropped when full); pairs longer than `maxKeyLength` are parsed every time, never kept.
 */
export function createLandingCache(capacity = 10_000, maxKeyLength = 2048): (url: string | undefined, referrer: string | undefined) => Landing {
  let cache = new Map<string, Landing>();
  return (url, referrer) => {
    // The URL's length first: no URL and referrer pair can spell another's key.
    const key = `${url?.length ?? 0}:${url ?? ''}${referrer ?? ''}`;
    if (key.length > maxKeyLength) return parseLanding(url, referrer);
    const hit = cache.get(key);
    if (hit) return hit;
    const landing = parseLanding(url, referrer);
    if (cache.size >= capacity) cache = new Map([...cache].slice(cache.size >> 1));
    cache.set(key, landing);
    return landing;
  };
}
