/**
 * The click-id registry: every ad-network click identifier Touchline recognises, in one place.
 *
 * The browser tracker, the collector, the warehouse schema (one column per entry) and the
 * activation destinations all read this list; nothing else names a click id. Order is precedence:
 * when a landing URL carries several ids, the first entry found becomes the touch's primary
 * `click_id` (a Google Ads click with both `gclid` and `gbraid` is a gclid click).
 *
 * Sources for each parameter: `shared/research/attribution-models.md` §7 and
 * `shared/research/browser-realities.md` §7.5–7.6.
 */
export interface ClickIdEntry {
  /** Warehouse column and canonical name (lower case, SQL-safe). */
  readonly column: string;
  /** URL query parameters that carry this id, matched case-sensitively (a single decode). */
  readonly params: readonly string[];
  /** The network that issues it. */
  readonly network: string;
  /**
   * The source/medium a click with this id implies when the URL carries no UTMs (auto-tagging:
   * a gclid click is google / cpc). `null` where the id is added to organic links too (Meta adds
   * fbclid to every outbound link, paid or not), so it says nothing about the medium.
   */
  readonly implies: { readonly source: string; readonly medium: string } | null;
  /**
   * Added by Google's auto-tagging (Google Ads: gclid, gbraid, wbraid; Display & Video 360 /
   * Campaign Manager 360: dclid). GA4, with auto-tagging on (its default), reports such a click
   * from the id even when the URL also carries UTMs; it gives no other network's id that
   * precedence (research doc §5.2). `attribution.clickIdPrecedence` decides what Touchline does.
   */
  readonly googleAutoTagging: boolean;
}

const entry = (
  column: string,
  network: string,
  implies: ClickIdEntry['implies'],
  params: readonly string[] = [column],
  googleAutoTagging = false,
): ClickIdEntry => ({ column, params, network, implies, googleAutoTagging });

const cpc = (source: string) => ({ source, medium: 'cpc' }) as const;
const paidSocial = (source: string) => ({ source, medium: 'paid_social' }) as const;

/** Registry version: bump when entries change (the warehouse migration adds their columns). */
export const CLICK_ID_REGISTRY_VERSION = 1;

export const CLICK_IDS: readonly ClickIdEntry[] = [
  entry('gclid', 'google_ads', cpc('google'), ['gclid'], true),
  entry('gbraid', 'google_ads', cpc('google'), ['gbraid'], true),
  entry('wbraid', 'google_ads', cpc('google'), ['wbraid'], true),
  entry('dclid', 'google_marketing_platform', { source: 'dv360', medium: 'display' }, ['dclid'], true),
  entry('fbclid', 'meta', null),
  entry('msclkid', 'microsoft_ads', cpc('bing')),
  entry('ttclid', 'tiktok', paidSocial('tiktok')),
  entry('li_fat_id', 'linkedin', paidSocial('linkedin')),
  entry('twclid', 'x', paidSocial('twitter')),
  entry('sccid', 'snapchat', paidSocial('snapchat'), ['ScCid', 'sccid']),
  entry('epik', 'pinterest', paidSocial('pinterest')),
  entry('rdt_cid', 'reddit', paidSocial('reddit')),
  entry('qclid', 'quora', paidSocial('quora')),
  entry('yclid', 'yandex', cpc('yandex'), ['yclid', 'ymclid']),
  entry('irclickid', 'impact', { source: 'impact', medium: 'affiliate' }, ['irclickid', 'irclid']),
  entry('awc', 'awin', { source: 'awin', medium: 'affiliate' }),
  entry('tblci', 'taboola', { source: 'taboola', medium: 'display' }),
  entry('dicbo', 'outbrain', { source: 'outbrain', medium: 'display' }, ['dicbo', 'ob_click_id']),
  entry('igshid', 'instagram', null, ['igshid', 'igsh']),
  entry('mc_cid', 'mailchimp', { source: 'mailchimp', medium: 'email' }),
  entry('kx', 'klaviyo', { source: 'klaviyo', medium: 'email' }, ['_kx']),
];

/** Every URL parameter name in the registry, mapped to its entry. */
export const CLICK_ID_BY_PARAM: ReadonlyMap<string, ClickIdEntry> = new Map(
  CLICK_IDS.flatMap((e) => e.params.map((p) => [p, e] as const)),
);

/** The registry's warehouse columns, in registry order. */
export const CLICK_ID_COLUMNS: readonly string[] = CLICK_IDS.map((e) => e.column);

