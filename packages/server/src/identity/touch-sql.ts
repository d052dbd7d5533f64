import { GA4_SOURCE_CATEGORIES, SEARCH_ENGINES, SOURCE_CATEGORY, channelRulesToSql, type ChannelRuleSet, type ClickIdPrecedence } from '@touchline/attribution';
import { CLICK_IDS, UTM_KEYS } from '@touchline/protocol';
import type { SqlDialect } from '../warehouse/dialect/dialect.js';
import { junkIdMatch } from './junk-ids.js';
import type { UtmRules } from '../taxonomy/utm-rules.js';
import { utmSql } from '../taxonomy/utm-sql.js';

/**
 * The touch rules as SQL expressions, over an `events` row (landing facts) or a `sessions` row
 * (the facts of a session's entry): what is a marketing touch, when two touches are the same,
 * and source / medium / campaign / channel on read, exactly as `@touchline/attribution`'s
 * `deriveSourceMedium` and channel rules do in TypeScript (a test compares the two).
 */
export interface TouchRules {
  /** The warehouse's dialect; a `binding()` copy when the SQL is a statement rather than a view. */
  readonly fns: SqlDialect;
  /** Configured site domains (`tracker.siteDomains`): referrers inside them are internal. */
  readonly siteDomains: readonly string[];
  /** Referrers that never count (payments, sign-in). */
  readonly referralExclusions: readonly string[];
  readonly junkIds: readonly string[];
  readonly clickIdPrecedence: ClickIdPrecedence;
  readonly sessionTimeoutMs: number;
  readonly channelRules: ChannelRuleSet;
  /** The campaign taxonomy: source / medium / campaign read through it (raw columns untouched). */
  readonly utm?: UtmRules;
}

/** Unit separator: joins the parts of a touch signature. */
export const SEP = '\u001f';

/** The columns a sessions row keeps of its entry touch (raw facts), in order. */
export const SESSION_TOUCH_COLUMNS = [...UTM_KEYS, 'click_id_type', 'click_id', 'implied_click', 'referrer_domain'] as const;

/** `device_id`: the anonymous id, else the user id; junk ids are no id. */
export function deviceKeySql(r: TouchRules, anon = 'anonymous_id', user = 'user_id'): string {
  const f = r.fns;
  return `(CASE WHEN NOT ${f.isJunk(anon, junkIdMatch(r.junkIds))} THEN ${anon} WHEN NOT ${f.isJunk(user, junkIdMatch(r.junkIds))} THEN ${user} END)`;
}

/** The id an event belongs to a person by: its user id, else its anonymous id. */
export function personKeySql(r: Pick<TouchRules, 'fns' | 'junkIds'>, anon = 'anonymous_id', user = 'user_id'): string {
  const f = r.fns;
  return `(CASE WHEN NOT ${f.isJunk(user, junkIdMatch(r.junkIds))} THEN ${user} WHEN NOT ${f.isJunk(anon, junkIdMatch(r.junkIds))} THEN ${anon} END)`;
}

/** A usable user id or NULL. */
export function validUserSql(r: TouchRules, user = 'user_id'): string {
  return `(CASE WHEN NOT ${r.fns.isJunk(user, junkIdMatch(r.junkIds))} THEN ${user} END)`;
}

/** The user agent `touchline import` sends: it names the importer, not a visitor, so its bot flag means nothing. */
export const IMPORT_USER_AGENT = 'touchline-import';

/**
 * Arrivals (protocol `isArrival`): page and screen views, the site helper's landings among them.
 * Only arrivals start touches and sessions; `track`, `identify`, `group` and `alias` never do, even
 * on a URL that still carries the landing's UTMs.
 */
export const ARRIVAL_SQL = `type IN ('page', 'screen')`;

/**
 * Not a bot's event. Rows that `touchline import` loaded before bot detection judged only the
 * visitor's own agent carry `is_bot` from the importer's agent: they count as people.
 */
export function notBotSql(f: Pick<SqlDialect, 'notTrue' | 'text' | 'literal'>): string {
  return `(${f.notTrue('is_bot')} OR ${f.text('user_agent')} = ${f.literal(IMPORT_USER_AGENT)})`;
}

/**
 * Events that make up sessions: what a visitor does on the site (page and screen views, and any
 * event that names its page), bots excepted. Only arrivals start a session; the other events
 * belong to the session open when they happen (and keep it open). Server-side events (no page)
 * neither start nor extend a session, so a CRM import or a webhook never shows up as a direct visit.
 */
export function activitySql(r: TouchRules): string {
  const f = r.fns;
  return `((${f.present('url')} OR ${ARRIVAL_SQL}) AND ${notBotSql(f)})`;
}

/** Tagged: any UTM or a click id (protocol `isTagged`). */
export function taggedSql(r: TouchRules): string {
  const f = r.fns;
  return `(${[...UTM_KEYS, 'click_id'].map((c) => f.present(c)).join(' OR ')})`;
}

/** Configured domains (`siteDomains`, referral exclusions) are values: bound, or quoted in a view. */
function matchesDomain(f: SqlDialect, host: string, domains: readonly string[]): string[] {
  return domains.map((d) => d.toLowerCase()).map((d) => `${host} = ${f.string(d)} OR ${f.endsWith(host, f.string('.' + d))}`);
}

/**
 * The landing's referrer domain when it is a marketing referral: arrivals only (a later event
 * repeats the landing's referrer), not the site itself (the page's host, its parent or child
 * domains, `siteDomains`), not a referral exclusion. NULL otherwise.
 */
export function externalReferrerSql(r: TouchRules): string {
  const f = r.fns;
  const rd = 'referrer_domain';
  const h = f.stripWww(f.text('host'));
  const own = `(${f.present('host')} AND (${rd} = ${h} OR ${f.endsWith(rd, f.concat([f.literal('.'), h]))} OR ${f.endsWith(h, f.concat([f.literal('.'), rd]))}))`;
  const listed = matchesDomain(f, rd, [...r.siteDomains, ...r.referralExclusions]);
  return `(CASE WHEN ${ARRIVAL_SQL} AND ${f.present(rd)} AND NOT (${[own, ...listed].join(' OR ')}) THEN ${rd} END)`;
}

/**
 * Two landings are the same touch when their UTMs, click id and (external) referrer agree
 * (protocol `sameArrival`). NULL for an event that is no marketing touch: a landing that is
 * direct, and any event that is not an arrival, tagged URL or not.
 */
export function touchSignatureSql(r: TouchRules): string {
  const ext = externalReferrerSql(r);
  const parts: string[] = [];
  for (const c of [...UTM_KEYS, 'click_id']) parts.push(c, r.fns.literal(SEP));
  parts.push(ext);
  return `(CASE WHEN ${ARRIVAL_SQL} AND (${taggedSql(r)} OR ${ext} IS NOT NULL) THEN ${r.fns.concat(parts)} END)`;
}

/** `campaign` (tagged), `referral` (external referrer) or `direct`. */
export function touchKindSql(r: TouchRules): string {
  return `(CASE WHEN ${taggedSql(r)} THEN 'campaign' WHEN ${externalReferrerSql(r)} IS NOT NULL THEN 'referral' ELSE 'direct' END)`;
}

const IMPLYING = CLICK_IDS.filter((e) => e.implies !== null);
const GOOGLE_AUTO_TAGGED = IMPLYING.filter((e) => e.googleAutoTagging);

/**
 * `implied_click`: the click id whose registry entry implies a source / medium (gclid → google /
 * cpc): the primary id if it does, else the first other id on the landing in registry order
 * (`deriveSourceMedium`'s order). NULL when no id implies anything (fbclid alone).
 */
export function impliedClickSql(r: TouchRules): string {
  const f = r.fns;
  // Searched CASE only: ClickHouse 18.16 mis-evaluates `CASE x WHEN … ELSE <nullable> END`.
  const primary = `WHEN click_id_type IN (${IMPLYING.map((e) => f.literal(e.column)).join(', ')}) THEN click_id_type`;
  const any = IMPLYING.map((e) => `WHEN ${f.present(e.column)} THEN ${f.literal(e.column)}`);
  return `(CASE ${primary} ${any.join(' ')} END)`;
}

/** One arm of a searched CASE. */
interface Arm {
  readonly when: string;
  readonly then: string;
}

const SEARCH_LIST = GA4_SOURCE_CATEGORIES[SOURCE_CATEGORY.Search].map((s) => s.toLowerCase());

/**
 * Source, medium and campaign of a sessions row, as `deriveSourceMedium` derives them: UTMs (a
 * missing one is `(not set)`), else the source / medium its `implied_click` implies, else the
 * external referrer (a search engine is
 * `engine / organic`), else `(direct) / (none)`. `clickIdPrecedence` puts the click id before
 * the UTMs when it is one of Google's auto-tagged ids (`google-click-id`) or any id (`click-id`).
 */
export function sourceMediumCampaignSql(r: TouchRules): { source: string; medium: string; campaign: string } {
  const f = r.fns;
  // With a campaign taxonomy the UTMs are read normalised (`Facebook`, `fb` → `facebook`).
  const utm = (c: 'utm_source' | 'utm_medium' | 'utm_campaign') => (r.utm ? utmSql(f, r.utm, c) : c);
  const utm3 = `(${f.present('utm_source')} OR ${f.present('utm_medium')} OR ${f.present('utm_campaign')})`;
  const notSet = (c: 'utm_source' | 'utm_medium' | 'utm_campaign') => `coalesce(${f.nullIfEmpty(utm(c))}, '(not set)')`;
  const click = (pick: 'source' | 'medium') =>
    `(CASE ${IMPLYING.map((e) => `WHEN implied_click = ${f.literal(e.column)} THEN ${f.literal(e.implies![pick])}`).join(' ')} END)`;
  const clickSource = click('source');
  const clickMedium = click('medium');
  const rd = 'referrer_domain';
  const engine = `(CASE ${SEARCH_ENGINES.map((e) => `WHEN ${f.regex(rd, e.host.source)} THEN ${f.literal(e.source)}`).join(' ')} END)`;
  const isSearch = `(${engine} IS NOT NULL OR ${rd} IN (${SEARCH_LIST.map((s) => f.literal(s)).join(', ')}))`;
  const hasRef = f.present(rd);
  const google = `implied_click IN (${GOOGLE_AUTO_TAGGED.map((e) => f.literal(e.column)).join(', ')})`;
  // The UTM and click-id arms of each searched CASE, in precedence order.
  const order = (utm: Arm, click: Arm) => {
    const arm = (a: Arm) => `WHEN ${a.when} THEN ${a.then}`;
    if (r.clickIdPrecedence === 'click-id') return `${arm(click)} ${arm(utm)}`;
    // A Google id first (every Google id implies a source, so its THEN is never NULL), then the
    // UTMs, then any other id.
    if (r.clickIdPrecedence === 'google-click-id') return `${arm({ when: google, then: click.then })} ${arm(utm)} ${arm(click)}`;
    return `${arm(utm)} ${arm(click)}`;
  };
  const source = `(CASE ${order({ when: utm3, then: notSet('utm_source') }, { when: `${clickSource} IS NOT NULL`, then: clickSource })} WHEN ${hasRef} THEN coalesce(${engine}, ${rd}) ELSE '(direct)' END)`;
  const medium = `(CASE ${order({ when: utm3, then: notSet('utm_medium') }, { when: `${clickMedium} IS NOT NULL`, then: clickMedium })} WHEN ${hasRef} THEN (CASE WHEN ${isSearch} THEN 'organic' ELSE 'referral' END) ELSE '(none)' END)`;
  const campaign = `(CASE ${order({ when: utm3, then: notSet('utm_campaign') }, { when: `${clickSource} IS NOT NULL`, then: notSet('utm_campaign') })} WHEN ${hasRef} THEN (CASE WHEN ${isSearch} THEN '(organic)' ELSE '(referral)' END) ELSE '(direct)' END)`;
  return { source, medium, campaign };
}

/** The channel of (source, medium, campaign) columns under the configured rules. */
export function channelSql(r: TouchRules, columns = { source: 'source', medium: 'medium', campaign: 'campaign' }): string {
  return channelRulesToSql(r.channelRules, { dialect: r.fns, columns, separator: ' ' });
}
