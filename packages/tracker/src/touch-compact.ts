/**
 * The touch rules of `@touchline/protocol` (`touchFromLanding`, `classifyTouch`, `applyTouch` with
 * `sameArrival`) in
 * fewer bytes, for the 3 KB script budget. The protocol's versions cost ~1.1 KB gzipped in the
 * script (~45 % of what the tracker itself may use); these cost ~0.5 KB.
 *
 * The data stays single-sourced: the UTM list, the click-id registry, the referral exclusions and
 * the session timeout are imported from the protocol. Only the logic is restated, and
 * `test/touch-agreement.test.ts` runs both on the same table and on thousands of generated
 * inputs: any divergence fails the build. The protocol change that would let the tracker import
 * them again is in the package README.
 */
import { CLICK_IDS, UTM_KEYS, type Touch, type TouchState } from './protocol.js';

/**
 * = protocol `hostOf` for every absolute URL (all a browser puts in `document.referrer` or
 * `location.href`). The protocol also digs a host out of unparseable strings with a regex (for
 * raw `Referer` headers); that fallback costs 66 bytes gzipped here and no browser value needs it.
 */
export const hostOf = (url: string): string | undefined => {
  try {
    const h = new URL(url).hostname.toLowerCase();
    return h.startsWith('www.') ? h.slice(4) : h || undefined;
  } catch {
    return undefined;
  }
};

/**
 * = protocol `touchFromLanding(url, referrer)` for a non-empty `url` (a page always has one),
 * without the Segment `campaign` fallback.
 */
export function landingTouch(url: string, referrer?: string): Touch {
  const t: Touch = { url };
  // protocol `searchOf`: from the first `?` to the next `#`; no `?`: -1 >>> 0 slices past the end
  const q = new URLSearchParams(url.slice(url.indexOf('?') >>> 0).split('#')[0]);
  for (const k of UTM_KEYS) {
    const v = q.get(k);
    if (v) t[k] = v;
  }
  for (const { column, params } of CLICK_IDS) {
    const v = params.map((p) => q.get(p)).find((v) => v);
    if (v) {
      (t.click_ids ||= {})[column] = v;
      if (!t.click_id) {
        t.click_id_type = column;
        t.click_id = v;
      }
    }
  }
  if (referrer) {
    t.referrer = referrer;
    const d = hostOf(referrer);
    if (d) t.referrer_domain = d;
  }
  return t;
}

/**
 * = protocol `applyTouch(state, landing, now, { siteDomains, referralExclusions, sessionTimeoutMs })`
 * for an arrival (the tracker calls it for page views only), with the options bound once.
 */
export const touchRules = (siteDomains: readonly string[], referralExclusions: readonly string[], sessionTimeoutMs: number) => {
  const notExternal = [...siteDomains, ...referralExclusions];
  /** protocol `externalReferrer`, '' for none: a referrer inside the site or an exclusion is none */
  const ext = ({ referrer_domain: d }: Touch) => (d && !notExternal.some((x) => d == x || d.endsWith('.' + x)) ? d : '');
  /** protocol `sameArrival` as a comparable string (an absent field and '' never meet: touches hold no empty fields) */
  const key = (t: Touch) => JSON.stringify([UTM_KEYS.map((k) => t[k]), t.click_id, ext(t)]);
  return (s: TouchState, landing: Touch, now: string): TouchState => {
    const marketing = landing.click_id || UTM_KEYS.some((k) => landing[k]) || ext(landing);
    const idle = !s.seen || !s.session || Date.parse(now) - Date.parse(s.seen) > sessionTimeoutMs;
    const touch = { ...landing, at: now }; // (the tracker's landings carry no time of their own)
    const n = { ...s, seen: now };
    const fresh = marketing && (idle || key(s.session!) != key(touch));
    if (fresh) {
      n.first ||= touch;
      n.last = touch;
    }
    // A direct session keeps where it landed: a direct landing has only its URL and referrer, so
    // it is `touch` too (the protocol's `landingOnly` keeps exactly those).
    if (idle || fresh) n.session = touch;
    return n;
  };
};
