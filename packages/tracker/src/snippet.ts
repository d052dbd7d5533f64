import type { TrackerOptions } from './options.js';

/** Options of the loader snippet. Plain data: it is printed into the page as JSON. */
export interface SnippetOptions {
  /**
   * URL of the script-tag build. Neutral on purpose: blockers list `analytics.js`, `tracker.js`…
   * @defaultValue `'/_t/s.js'`
   */
  src?: string;
  /**
   * Tracker options (JSON-serializable: `writeKey`, `endpoint`, `requireConsent`, `consent`, `spa`,
   * `siteDomains`, `referralExclusions`, `sessionTimeout`, `flushInterval`). `endpoint` defaults
   * to `b` next to `src`.
   * @defaultValue `{}`
   */
  options?: Omit<TrackerOptions, 'landing' | 'buffered'>;
  /**
   * Whether the snippet records a page view.
   * @defaultValue `true`
   */
  page?: boolean;
}

/**
 * The token the collector replaces with the site's registrable domain when it serves `s.js`
 * (underscores: no host name can contain it, so an unreplaced token matches nothing).
 */
export const SITE_DOMAIN_TOKEN = '__tl_site__';

/** The API lives on `window.touchline`. */
export const GLOBAL_NAME = 'touchline';
const METHODS = 'page track identify alias group reset consent flush';

/** JSON that is safe inside an inline `<script>`: no `</script>`, no `<!--`, no line separators. */
const inline = (v: unknown) =>
  JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);

/**
 * The loader as JavaScript (for a CSP-nonced inline script or a bundle). It defines a stub that
 * buffers calls (each with `location.href` at call time), records the landing URL and referrer at
 * once — before routers or consent banners rewrite them, as Segment's buffered page context — and
 * loads the script async. Idempotent: a second copy on the page does nothing.
 */
export function snippetJs(opts: SnippetOptions = {}): string {
  return (
    `!function(w,d,n,o,s){var t=w[n]=w[n]||[];if(t.l||!t.push)return;t.l=1;t.o=o;` +
    `t.c={url:location.href,referrer:d.referrer};` +
    `${inline(METHODS)}.split(" ").forEach(function(m){t[m]=function(){t.push([m,[].slice.call(arguments),location.href])}});` +
    `var e=d.createElement("script");e.async=!0;e.src=s;` +
    `var f=d.getElementsByTagName("script")[0];f.parentNode.insertBefore(e,f)}` +
    `(window,document,${inline(GLOBAL_NAME)},${inline(opts.options ?? {})},${inline(opts.src ?? '/_t/s.js')});` +
    (opts.page === false ? '' : `\n${GLOBAL_NAME}.page();`)
  );
}

/**
 * The loader to paste into `<head>`, as Segment's: the collector prints it.
 *
 * @example
 * snippet({ options: { writeKey: 'wk_123', requireConsent: true } })
 */
export function snippet(opts: SnippetOptions = {}): string {
  return `<script>\n${snippetJs(opts)}\n</script>`;
}
