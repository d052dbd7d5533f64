import { isIP } from 'node:net';
import { getDomain } from 'tldts';

/**
 * The visitor cookie: one opaque id, issued by a server (`Set-Cookie`, never `document.cookie`),
 * `HttpOnly; SameSite=Lax; Path=/`, on the registrable domain, re-issued on every visit. Safari
 * caps script-written storage at 7 days (24 hours after a click from a tracker domain) but not a
 * cookie a same-host server sets (shared/research/browser-realities.md §1.1–1.5, §6, §10.1–10.5).
 * The collector's tracker endpoint and the site helper both write it with this module, so they
 * agree byte for byte.
 */
export interface VisitorCookieOptions {
  /**
   * Cookie name. Only an id is stored in it; the touches live on the server.
   * @defaultValue `'tl_vid'`
   */
  name?: string;
  /**
   * Lifetime in days, slid on every visit. Browsers cap cookies at 400 days (Chrome, RFC 6265bis),
   * Brave at 180; the sliding keeps a returning visitor. Values over 400 are refused.
   * @defaultValue `365`
   */
  maxAgeDays?: number;
  /**
   * `'auto'`: the registrable domain of the request host from the Public Suffix List, private
   * suffixes included (`www.shop.co.uk` → `shop.co.uk`, `me.github.io` stays `me.github.io`),
   * host-only for IP addresses, `localhost` and public suffixes. `'host'`: always host-only. Any
   * other value is used as the `Domain` when the host is inside it (host-only otherwise).
   * @defaultValue `'auto'`
   */
  domain?: string;
}

export const VISITOR_COOKIE_DEFAULTS = { name: 'tl_vid', maxAgeDays: 365, domain: 'auto' } as const;
/** RFC 6265bis: "The limit MUST NOT be greater than 400 days (34560000 seconds)". */
export const MAX_COOKIE_AGE_DAYS = 400;

/** An id we issued (a UUID) or one a site helper issued: letters, digits, `-_.`, 16–128 characters. */
const ID = /^[A-Za-z0-9._-]{16,128}$/;
export const isVisitorId = (v: string | undefined): v is string => v !== undefined && ID.test(v);

/** The request host without port or IPv6 brackets, lower case. */
export function hostName(host: string | undefined): string {
  if (!host) return '';
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') < 0 ? undefined : h.indexOf(']'));
  const colon = h.indexOf(':');
  return colon >= 0 && h.indexOf(':', colon + 1) < 0 ? h.slice(0, colon) : h;
}

/**
 * The `Domain` attribute for a host, or `undefined` for a host-only cookie. Never "the last two
 * labels": `shop.co.uk` is a site, `co.uk` is not, and `me.github.io` must not share with
 * `you.github.io` (PSL private section).
 */
export function cookieDomain(host: string, setting: string = VISITOR_COOKIE_DEFAULTS.domain): string | undefined {
  const h = hostName(host).replace(/\.$/, '');
  if (!h || isIP(h) || h === 'localhost' || h.endsWith('.localhost') || setting === 'host') return undefined;
  if (setting !== 'auto') {
    const d = setting.toLowerCase().replace(/^\./, '');
    return h === d || h.endsWith('.' + d) ? d : undefined;
  }
  return getDomain(h, { allowPrivateDomains: true }) ?? undefined;
}

export interface CookieContext {
  /** The request's host name (a `Host` header is fine: the port is dropped). */
  host: string;
  /** Whether the page is served over https: adds `Secure`. */
  secure: boolean;
}

function attributes(ctx: CookieContext, o: VisitorCookieOptions, maxAge: number): string {
  const domain = cookieDomain(ctx.host, o.domain);
  return (
    `; Max-Age=${maxAge}` +
    (domain ? `; Domain=${domain}` : '') +
    '; Path=/; HttpOnly' +
    (ctx.secure ? '; Secure' : '') +
    // Lax: sent on the top-level navigation of an ad click. Not None: the collector is meant to
    // be same-site with the page (browser-realities §1.3), where Lax is all it needs.
    '; SameSite=Lax'
  );
}

/** Checks the options once (at start-up), naming what is wrong. */
export function checkCookieOptions(o: VisitorCookieOptions): string | undefined {
  const days = o.maxAgeDays ?? VISITOR_COOKIE_DEFAULTS.maxAgeDays;
  if (!(days > 0 && days <= MAX_COOKIE_AGE_DAYS)) return `cookie maxAgeDays must be in (0, ${MAX_COOKIE_AGE_DAYS}] (browsers cap at 400 days); got ${days}`;
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(o.name ?? VISITOR_COOKIE_DEFAULTS.name)) return `cookie name "${o.name}" is not a valid cookie name`;
  return undefined;
}

/** `Set-Cookie` value issuing (or sliding) the visitor id. */
export function visitorCookie(id: string, ctx: CookieContext, o: VisitorCookieOptions = {}): string {
  const days = Math.min(o.maxAgeDays ?? VISITOR_COOKIE_DEFAULTS.maxAgeDays, MAX_COOKIE_AGE_DAYS);
  return `${o.name ?? VISITOR_COOKIE_DEFAULTS.name}=${id}${attributes(ctx, o, Math.floor(days * 86400))}`;
}

/** `Set-Cookie` value deleting the visitor cookie (consent withdrawn): same scope, `Max-Age=0`. */
export function expiredVisitorCookie(ctx: CookieContext, o: VisitorCookieOptions = {}): string {
  return `${o.name ?? VISITOR_COOKIE_DEFAULTS.name}=${attributes(ctx, o, 0)}`;
}

/**
 * The visitor id in a `Cookie` header, if well-formed. With several cookies of that name (a
 * host-only one left from an older set-up next to the domain one), the first valid one wins, as
 * browsers send the more specific path first.
 */
export function readVisitorId(cookieHeader: string | readonly string[] | undefined, name: string = VISITOR_COOKIE_DEFAULTS.name): string | undefined {
  const header = Array.isArray(cookieHeader) ? cookieHeader.join('; ') : (cookieHeader as string | undefined);
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const v = part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    if (isVisitorId(v)) return v;
  }
  return undefined;
}
