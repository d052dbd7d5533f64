import { CLICK_IDS, DEFAULT_REFERRAL_EXCLUSIONS, hostMatches, hostOf, type ClickIdEntry, type Touch } from '@touchline/protocol';
import { GA4_SOURCE_CATEGORIES, SOURCE_CATEGORY } from './ga4-source-categories.js';
import { searchEngineOf } from './search-engines.js';

/** Source / medium / campaign of a touch, as GA4 would report them. */
export interface SourceMedium {
  readonly source: string;
  readonly medium: string;
  readonly campaign: string;
}

/**
 * Who names the source when a landing carries UTMs *and* a click id that implies a source / medium.
 *
 * - `google-click-id`: Google's auto-tagged ids (gclid, gbraid, wbraid, dclid) win, as GA4 reports
 *   google / cpc for an auto-tagged click whatever UTMs sit beside it; every other id (msclkid,
 *   ttclid…) loses to the UTMs, because GA4 does not read them.
 * - `utm`: the UTMs always win (Universal Analytics' "allow manual tagging to override auto-tagging").
 * - `click-id`: any id that implies a source / medium wins over the UTMs.
 */
export const CLICK_ID_PRECEDENCES = ['google-click-id', 'utm', 'click-id'] as const;
export type ClickIdPrecedence = (typeof CLICK_ID_PRECEDENCES)[number];

export interface DeriveOptions {
  /** The site's own domains: a referrer inside them is internal navigation (direct). @defaultValue [] */
  readonly siteDomains?: readonly string[];
  /** Referrers that never count (payment, sign-in). @defaultValue protocol's DEFAULT_REFERRAL_EXCLUSIONS */
  readonly referralExclusions?: readonly string[];
  /**
   * A landing with UTMs and a click id that implies a source / medium: see {@link ClickIdPrecedence}.
   * @defaultValue 'google-click-id' (GA4 with auto-tagging, its default)
   */
  readonly clickIdPrecedence?: ClickIdPrecedence;
}

const SEARCH_SOURCES = new Set(GA4_SOURCE_CATEGORIES[SOURCE_CATEGORY.Search].map((s) => s.toLowerCase()));
const BY_COLUMN = new Map(CLICK_IDS.map((e) => [e.column, e] as const));

/**
 * Derives source / medium / campaign from a raw touch (raw facts stored, derived on read):
 *
 * 1. UTMs: `utm_source` / `utm_medium` / `utm_campaign`, a missing one reported as `(not set)`
 *    (unless the click id below takes precedence: Google's auto-tagged ids by default);
 * 2. else the click id whose registry entry `implies` a source/medium (gclid → google / cpc,
 *    msclkid → bing / cpc…): the primary id, else the first other one in registry order; ids
 *    that imply nothing (fbclid) fall through;
 * 3. else the referrer: a search engine → engine / organic, any other external host →
 *    host / referral (social hosts become Organic Social through Google's source list);
 * 4. else `(direct)` / `(none)`.
 *
 * Campaign placeholders follow GA4: `(organic)`, `(referral)`, `(direct)`, `(not set)`.
 */
export function deriveSourceMedium(touch: Touch, opts: DeriveOptions = {}): SourceMedium {
  const utm = fromUtm(touch);
  const implied = impliedClick(touch);
  if (implied) {
    const precedence = opts.clickIdPrecedence ?? 'google-click-id';
    const wins = precedence === 'click-id' || (precedence === 'google-click-id' && implied.googleAutoTagging) || !utm;
    if (wins) return { source: implied.implies.source, medium: implied.implies.medium, campaign: touch.utm_campaign || '(not set)' };
  }
  if (utm) return utm;
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

type ImplyingEntry = ClickIdEntry & { readonly implies: NonNullable<ClickIdEntry['implies']> };

/**
 * The click id that names the touch's source / medium: the primary id if its entry implies one,
 * else the first other id on the touch, in registry order (the SQL's `implied_click`).
 */
function impliedClick(t: Touch): ImplyingEntry | undefined {
  const primary = t.click_id_type ? BY_COLUMN.get(t.click_id_type) : undefined;
  if (primary?.implies) return primary as ImplyingEntry;
  for (const e of CLICK_IDS) if (e.implies && t.click_ids?.[e.column]) return e as ImplyingEntry;
  return undefined;
}

function internal(host: string, opts: DeriveOptions): boolean {
  if ((opts.siteDomains ?? []).some((d) => hostMatches(host, d))) return true;
  return (opts.referralExclusions ?? DEFAULT_REFERRAL_EXCLUSIONS).some((d) => hostMatches(host, d));
}
