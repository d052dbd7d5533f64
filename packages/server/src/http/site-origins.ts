import { cookieDomain, hostName } from '@touchline/site';

/**
 * The origins whose pages may talk to the collector with credentials (the visitor cookie): every
 * origin on a registrable domain of `tracker.siteDomains` — the same rule that gives the visitor
 * cookie its `Domain`, so exactly the hosts that share the cookie — plus `cors.allowedOrigins`,
 * listed one by one. `null` (sandboxed frames, `file:`) is never one of them.
 */
export interface SiteOrigins {
  trusts(origin: string): boolean;
  /** Whether an untrusted origin is on the same site as `host` (a hint for the operator). */
  sameSite(origin: string, host: string): boolean;
}

/** `scheme://host[:port]` exactly as a browser sends it, or null (anything else: `null`, paths, user info, odd case). */
export function canonicalOrigin(value: string): string | null {
  if (!/^https?:\/\//.test(value)) return null;
  try {
    const u = new URL(value);
    return u.origin === value ? value : null;
  } catch {
    // Not a URL: not an origin a browser sends (the answer this function gives for any such value).
    return null;
  }
}

/** The registrable domain of a host (`www.shop.co.uk` → `shop.co.uk`), or the host itself for IPs and `localhost`. */
const siteOf = (host: string): string => {
  const h = hostName(host).replace(/\.$/, '');
  return cookieDomain(h, 'auto') ?? h;
};

export function siteOrigins(o: { readonly siteDomains: readonly string[]; readonly allowedOrigins: readonly string[] }): SiteOrigins {
  const sites = new Set(o.siteDomains.map((d) => siteOf(d.replace(/^\./, ''))).filter((d) => d !== ''));
  const exact = new Set(o.allowedOrigins);
  const hostOf = (origin: string): string | null => {
    const canonical = canonicalOrigin(origin);
    return canonical === null ? null : new URL(canonical).hostname;
  };
  return {
    trusts(origin) {
      const host = hostOf(origin);
      if (host === null) return false;
      return exact.has(origin) || sites.has(siteOf(host));
    },
    sameSite(origin, host) {
      const h = hostOf(origin);
      return h !== null && host !== '' && siteOf(h) === siteOf(host);
    },
  };
}
