import {
  applyTouch,
  classifyTouch,
  DEFAULT_REFERRAL_EXCLUSIONS,
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

/**
 * The landing an event reports, as the tracker applies it: a page view brings its URL and
 * referrer (a landing, or an SPA navigation whose referrer is the previous page: internal); any
 * other event brings only its URL (UTMs still on the page count, its referrer was already
 * counted). `undefined` when the event names no page.
 */
export function landingOf(event: Obj): Touch | undefined {
  const ctx = obj(event['context']);
  const page = obj(ctx?.['page']);
  const props = obj(event['properties']);
  const isPage = event['type'] === 'page';
  const url = str(page?.['url']) ?? (isPage ? str(props?.['url']) : undefined);
  if (!url) return undefined;
  const referrer = isPage ? (str(page?.['referrer']) ?? str(props?.['referrer'])) : undefined;
  return touchFromLanding(url, referrer, obj(ctx?.['campaign']) as SegmentCampaign | undefined);
}

/** The site's domains for a page: the configured ones and the page's registrable domain. */
function siteDomainsFor(url: string | undefined, configured: readonly string[]): readonly string[] {
  let host: string | undefined;
  try {
    host = url ? new URL(url).hostname : undefined;
  } catch {
    host = undefined;
  }
  const own = host ? (getDomain(host, { allowPrivateDomains: true }) ?? host) : undefined;
  return own ? [...configured, own] : configured;
}

/**
 * One event's landing applied to a visitor's state with the protocol's rules (`applyTouch`: the
 * one source of truth, shared with the tracker). An event older than the last activity (a resend,
 * a late beacon, the site helper's copy of a landing the tracker reported first) may only fill a
 * missing first touch: it must not turn last touch back to an older campaign.
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
