import type { TrackerEnv } from './env.js';

/**
 * A v4-format UUID. `Math.random` rather than `crypto`: these ids are neither secrets nor
 * security tokens (message ids for de-duplication, a replaceable anonymous id), `crypto.randomUUID`
 * is missing on plain-http pages, and the `getRandomValues` variant costs 30 bytes of the budget.
 */
export const uuid = (): string =>
  '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (c) => (+c ^ ((Math.random() * 16) >> (+c / 4))).toString(16));

/** The tracker's capabilities in a real browser. Nothing is touched until a method is called. */
export function browserEnv(): TrackerEnv {
  const d = document;
  const n = navigator as Navigator & { globalPrivacyControl?: boolean };
  return {
    now: Date.now,
    uuid,
    page: () => ({ url: location.href, title: d.title, referrer: d.referrer }),
    storage: () => localStorage,
    // A string body is sent as text/plain;charset=UTF-8: a CORS "simple" request, no preflight.
    post: (url, body) =>
      fetch(url, { method: 'POST', body, keepalive: true, credentials: 'include' }).then(async (r) => ({
        status: r.status,
        json: await r.json().catch(() => null),
      })),
    beacon: (url, body) => n.sendBeacon(url, body),
    gpc: () => !!n.globalPrivacyControl,
    onHide(fn) {
      addEventListener('pagehide', fn);
      d.addEventListener('visibilitychange', () => d.hidden && fn());
    },
    later: (fn, ms) => setTimeout(fn, ms),
    onNavigate(fn) {
      const h = history;
      for (const k of ['pushState', 'replaceState'] as const) {
        const orig = h[k];
        // Patched in place so routers that cached `history` still hit it; the original runs first
        // and its result is returned untouched.
        h[k] = function (this: History, ...a: Parameters<History['pushState']>) {
          const r = orig.apply(this, a);
          fn(k > 'q'); // replaceState
          return r;
        };
      }
      addEventListener('popstate', () => fn(false));
    },
  };
}
