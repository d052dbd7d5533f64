import { CLICK_ID_BY_PARAM, CLICK_IDS } from './click-ids.js';

/** The campaign parameters Touchline records, in warehouse column order. */
export const UTM_KEYS = [
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_content',
  'utm_term',
  'utm_id',
] as const;
export type UtmKey = (typeof UTM_KEYS)[number];
const UTM_SET: ReadonlySet<string> = new Set(UTM_KEYS);

/**
 * A marketing touch as observed: the landing URL, the referrer, the UTMs and the click ids.
 * Raw facts only; source/medium/channel are derived on read (see `@touchline/attribution`).
 *
 * The same shape travels in `context.touches.{first,last,session}` of every page view the
 * tracker sends, and fills the warehouse's `first_*` / `last_*` columns.
 */
export interface Touch {
  /** ISO-8601 time the touch happened (the landing). */
  at?: string;
  /** Landing URL as the browser or server saw it. */
  url?: string;
  referrer?: string;
  /** Referrer host name, lower case, without a leading `www.`. */
  referrer_domain?: string;
  utm_source?: string;
  utm_medium?: string;
  utm_campaign?: string;
  utm_content?: string;
  utm_term?: string;
  /**
   * The campaign's id at its network: `utm_id`, else the `gad_campaignid` Google's auto-tagging
   * adds to a Google Ads landing (which joins spend by id and gives GA4's channel to the click).
   */
  utm_id?: string;
  /** Registry column of the primary click id (highest precedence found), e.g. `gclid`. */
  click_id_type?: string;
  /** The primary click id, byte for byte. */
  click_id?: string;
  /** Every registry click id found, by registry column. */
  click_ids?: Record<string, string>;
}

/** Segment's `context.campaign`: `name` is the campaign (`utm_campaign`). */
export interface SegmentCampaign {
  name?: unknown;
  source?: unknown;
  medium?: unknown;
  term?: unknown;
  content?: unknown;
  id?: unknown;
}

/** Host name of a URL, lower case, without a leading `www.`; `undefined` when unparseable. */
export function hostOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const host = new URL(url).hostname.toLowerCase();
    return host.startsWith('www.') ? host.slice(4) : host || undefined;
  } catch {
    // `android-app://com.google.android.gm/` and similar still name a source.
    const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#:]+)/i.exec(url);
    return m?.[1]?.toLowerCase();
  }
}

/**
 * Google's auto-tagging adds the campaign id to a Google Ads landing as `gad_campaignid` (beside
 * `gclid`/`gbraid`/`wbraid`); a landing with no `utm_id` takes it as its campaign id.
 */
const GOOGLE_CAMPAIGN_ID_PARAM = 'gad_campaignid';

/** Reads UTMs and click ids from a query string (`?a=b&…` or `a=b&…`). */
export function touchFromQuery(search: string, into: Touch = {}): Touch {
  // One pass over the query (this runs for every event the collector receives). As with
  // URLSearchParams.get, the first occurrence of a parameter decides, even when it is empty.
  let found: Map<string, string> | undefined;
  let seenUtm: Set<string> | undefined;
  let googleCampaignId: string | undefined;
  for (const [k, v] of new URLSearchParams(search)) {
    if (UTM_SET.has(k)) {
      if (seenUtm?.has(k)) continue;
      (seenUtm ??= new Set()).add(k);
      if (v && !into[k as UtmKey]) into[k as UtmKey] = v;
    } else if (CLICK_ID_BY_PARAM.has(k) && !found?.has(k)) {
      (found ??= new Map()).set(k, v);
    } else if (k === GOOGLE_CAMPAIGN_ID_PARAM) {
      googleCampaignId ??= v;
    }
  }
  // An explicit utm_id (anywhere in the query, or already known) wins over the auto-tag.
  if (googleCampaignId && !into.utm_id && !seenUtm?.has('utm_id')) into.utm_id = googleCampaignId;
  if (!found) return into;
  for (const e of CLICK_IDS) {
    for (const p of e.params) {
      const v = found.get(p);
      if (!v) continue;
      (into.click_ids ??= {})[e.column] = v;
      if (!into.click_id) {
        into.click_id_type = e.column;
        into.click_id = v;
      }
      break;
    }
  }
  return into;
}

function searchOf(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return '';
  const h = url.indexOf('#', q);
  return h < 0 ? url.slice(q) : url.slice(q, h);
}

/**
 * The touch of a landing: UTMs and click ids from the URL, the referrer, and (filling gaps only)
 * a Segment `context.campaign` object.
 */
export function touchFromLanding(
  url: string | undefined,
  referrer: string | undefined,
  campaign?: SegmentCampaign,
): Touch {
  const t: Touch = {};
  if (url) {
    t.url = url;
    touchFromQuery(searchOf(url), t);
  }
  if (referrer) {
    t.referrer = referrer;
    const d = hostOf(referrer);
    if (d) t.referrer_domain = d;
  }
  return withCampaign(t, campaign);
}

/**
 * A touch with the gaps in its UTMs filled from a Segment `context.campaign` object (the URL's
 * own parameters win): `t` itself when there is nothing to fill, else a copy, so that a touch
 * shared by a cache is never changed.
 */
export function withCampaign(t: Touch, campaign: SegmentCampaign | undefined): Touch {
  if (!campaign || typeof campaign !== 'object') return t;
  const pairs: [UtmKey, unknown][] = [
    ['utm_source', campaign.source],
    ['utm_medium', campaign.medium],
    ['utm_campaign', campaign.name],
    ['utm_content', campaign.content],
    ['utm_term', campaign.term],
    ['utm_id', campaign.id],
  ];
  let out = t;
  for (const [k, v] of pairs) {
    if (out[k] || typeof v !== 'string' || !v) continue;
    if (out === t) out = { ...t };
    out[k] = v;
  }
  return out;
}

/** True when the touch carries campaign tagging: any UTM or any click id. */
export function isTagged(t: Touch): boolean {
  return Boolean(t.click_id) || UTM_KEYS.some((k) => Boolean(t[k]));
}

/** Two touches describe the same marketing arrival (same tagging and referrer domain). */
export function sameTouch(a: Touch | undefined, b: Touch | undefined): boolean {
  if (!a || !b) return false;
  return (
    UTM_KEYS.every((k) => (a[k] ?? '') === (b[k] ?? '')) &&
    (a.click_id ?? '') === (b.click_id ?? '') &&
    (a.referrer_domain ?? '') === (b.referrer_domain ?? '')
  );
}
