import { CLICK_IDS, DEFAULT_REFERRAL_EXCLUSIONS, hostMatches, hostOf, type ClickIdEntry, type Touch } from '@touchline/protocol';
import { GA4_SOURCE_CATEGORIES, SOURCE_CATEGORY } from './ga4-source-categories.js';
import { searchEngineOf } from './search-engines.js';

/** Source / medium / campaign of a touch, as GA4 would report them. */
export interface SourceMedium {
  readonly source: string;
  readonly medium: string;
  readonly campaign: string;
}

export interface DeriveOptions {
  /** The site's own domains: a referrer inside them is internal navigation (direct). @defaultValue [] */
  readonly siteDomains?: readonly string[];
  /** Referrers that never count (payment, sign-in). @defaultValue protocol's DEFAULT_REFERRAL_EXCLUSIONS */
  readonly referralExclusions?: readonly string[];
  /**
   * When a landing carries both UTMs and an auto-tagged click id: `'utm'` lets manual tagging win
   * (UA's "allow manual tagging to override auto-tagging"); `'click-id'` lets the click id win, as
   * GA4 does by default for gclid (research doc §5.2 calls this uncertain).
   * @defaultValue 'utm'
   */
  readonly precedence?: 'utm' | 'click-id';
}

const SEARCH_SOURCES = new Set(GA4_SOURCE_CATEGORIES[SOURCE_CATEGORY.Search].map((s) => s.toLowerCase()));
const BY_COLUMN = new Map(CLICK_IDS.map((e) => [e.column, e] as const));

/**
 * Derives source / medium / campaign from a raw touch (raw facts stored, derived on read):
 *
 * 1. UTMs: `utm_source` / `utm_medium` / `utm_campaign`, a missing one reported as `(not set)`;
 * 2. else an auto-tagged click id whose registry entry `implies` a source/medium (gclid →
 *    google / cpc, msclkid → bing / cpc…); ids that imply nothing (fbclid) fall through;
 * 3. else the referrer: a search engine → engine / organic, any other external host →
 *    host / referral (social hosts become Organic Social through Google's source list);
 * 4. else `(direct)` / `(none)`.
 *
 * Campaign placeholders follow GA4: `(organic)`, `(referral)`, `(direct)`, `(not set)`.
 */
export function deriveSourceMedium(touch: Touch, opts: DeriveOptions = {}): SourceMedium {
  const utm = fromUtm(touch);
  const clicked = fromClickId(touch);
  if (opts.precedence === 'click-id' && clicked) return clicked;
  if (utm) return utm;
  if (clicked) return clicked;
  const host = touch.referrer_domain ?? hostOf(touch.referrer);
  if (host && !internal(host, opts)) {
    const engine = searchEngineOf(host);
    if (engine) return { source: engine, medium: 'organic', campaign: '(organic)' };
    if (SEARCH_SOURCES.has(host)) return { source: host, medium: 'organic', campaign: '(organic)' };
    return { source: host, medium: 'referral', campaign: '(referral)' };
  }
  return { source: '(direct)', medium: '(none)', campaign: '(direct)' };
}

function fromUtm(t: Touch): SourceMedium | undefined {
  if (!t.utm_source && !t.utm_medium && !t.utm_campaign) return undefined;
  return { source: t.utm_source || '(not set)', medium: t.utm_medium || '(not set)', campaign: t.utm_campaign || '(not set)' };
}

function fromClickId(t: Touch): SourceMedium | undefined {
  // The primary id first, then any other id the touch carries, in registry precedence.
  const entries: ClickIdEntry[] = [];
  const primary = t.click_id_type ? BY_COLUMN.get(t.click_id_type) : undefined;
  if (primary) entries.push(primary);
  for (const e of CLICK_IDS) if (t.click_ids?.[e.column] && e !== primary) entries.push(e);
  for (const e of entries) {
    if (e.implies) return { source: e.implies.source, medium: e.implies.medium, campaign: t.utm_campaign || '(not set)' };
  }
  return undefined;
}

function internal(host: string, opts: DeriveOptions): boolean {
  if ((opts.siteDomains ?? []).some((d) => hostMatches(host, d))) return true;
  return (opts.referralExclusions ?? DEFAULT_REFERRAL_EXCLUSIONS).some((d) => hostMatches(host, d));
}
