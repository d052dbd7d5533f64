import {
  applyActivity,
  applyTouch,
  classifyTouch,
  DEFAULT_REFERRAL_EXCLUSIONS,
  isArrival,
  TouchKind,
  touchFromLanding,
  type SegmentCampaign,
  type Touch,
  type TouchState,
} from '@touchline/protocol';
import { getDomain } from 'tldts';

export interface TouchRulesConfig {
  /** Configured site domains; the page's own registrable domain is always added. */
  readonly siteDomains: readonly string[];
  readonly referralExclusions?: readonly string[] | undefined;
  readonly sessionTimeoutMs?: number;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The page an event names: `context.page.url`, or a page view's `properties.url` (Segment's page properties). */
function pageUrlOf(event: Obj): string | undefined {
  const url = str(obj(obj(event['context'])?.['page'])?.['url']);
  return url ?? (event['type'] === 'page' ? str(obj(event['properties'])?.['url']) : undefined);
}

/**
 * The landing an **arrival** brings (a page or screen view: its URL, its referrer, and Segment's
 * `context.campaign` filling gaps; a screen view of an app names no page: a direct arrival);
 * `undefined` for any other event. `track`, `identify`, `group` and `alias` never bring one, even
 * on a URL that still carries the landing's UTMs (protocol `isArrival`).
 */
export function landingOf(e: object): Touch | undefined {
  const event = e as Obj;
  if (!isArrival(event['type'])) return undefined;
  const ctx = obj(event['context']);
  const url = pageUrlOf(event);
  const referrer = str(obj(ctx?.['page'])?.['referrer']) ?? str(obj(event['properties'])?.['referrer']);
  return touchFromLanding(url, referrer, obj(ctx?.['campaign']) as SegmentCampaign | undefined);
}

/**
 * What one event does to its visitor's touch state: an arrival applies its landing; any other
 * event that names a page is activity on the site (it keeps the session open); an event that
 * names no page (a server-side `track`, a CRM `identify`) changes nothing, as the warehouse's
 * sessions count only activity on the site.
 */
export function applyEvent(state: TouchState, event: object, at: string, rules: TouchRulesConfig): TouchState {
  const landing = landingOf(event);
  if (landing) return applyEventTouch(state, landing, at, rules);
  if (pageUrlOf(event as Obj)) return state.seen && at < state.seen ? state : applyActivity(state, at);
  return state;
}

/** A page host's registrable domain (or the host itself), by host: every arrival asks, and sites have few hosts. */
const ownDomains = new Map<string, string>();

/** The site's domains for a page: the configured ones and the page's registrable domain. */
function siteDomainsFor(url: string | undefined, configured: readonly string[]): readonly string[] {
  let host: string | undefined;
  try {
    host = url ? new URL(url).hostname : undefined;
  } catch {
    // A page URL we cannot parse has no domain of its own: the configured ones still count.
    host = undefined;
  }
  if (!host) return configured;
  let own = ownDomains.get(host);
  if (own === undefined) {
    own = getDomain(host, { allowPrivateDomains: true }) ?? host;
    if (ownDomains.size >= 1000) ownDomains.clear(); // any Host a client sends can land here: bounded
    ownDomains.set(host, own);
  }
  return [...configured, own];
}

/**
 * An arrival's landing applied to a visitor's state with the protocol's rules (`applyTouch`: the
 * one source of truth, shared with the tracker). An arrival older than the last activity (a
 * resend, a late beacon, the site helper's copy of a landing the tracker reported first, imported
 * history) may only fill a missing first touch: it must not turn last touch back to an older
 * campaign.
 */
export function applyEventTouch(state: TouchState, landing: Touch, at: string, rules: TouchRulesConfig): TouchState {
  const opts = {
    siteDomains: siteDomainsFor(landing.url, rules.siteDomains),
    referralExclusions: rules.referralExclusions ?? DEFAULT_REFERRAL_EXCLUSIONS,
    ...(rules.sessionTimeoutMs ? { sessionTimeoutMs: rules.sessionTimeoutMs } : {}),
  };
  if (state.seen && at < state.seen) {
    if (state.first || classifyTouch(landing, opts) === TouchKind.Direct) return state;
    return { ...state, first: { ...landing, at: landing.at ?? at } };
  }
  return applyTouch(state, landing, at, opts);
}
