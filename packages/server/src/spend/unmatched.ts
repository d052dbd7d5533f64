import { microsToDecimal } from './decimal.js';
import { JoinedBy, matchCampaign, type CampaignDay, type TouchGroup } from './spend-join.js';

/** Spend of a campaign that no landing could be joined to, in the campaign's own currency. */
export interface UnmatchedSpend {
  readonly network: string;
  readonly campaignId: string;
  readonly campaignName: string | null;
  readonly currency: string;
  /** Exact decimal text. */
  readonly cost: string;
  readonly days: number;
  readonly firstDate: string;
  readonly lastDate: string;
}

/** Paid landings (a paid medium or a click id) whose campaign matched no spend row. */
export interface UnmatchedTouches {
  readonly source: string;
  readonly medium: string;
  readonly utmCampaign: string | null;
  readonly utmId: string | null;
  readonly clickIdType: string | null;
  readonly sessions: number;
}

/** GA4's paid medium pattern (`^(.*cp.*|ppc|retargeting|paid.*)$`), the medium side of "is this paid traffic". */
const PAID_MEDIUM = /^(.*cp.*|ppc|retargeting|paid.*)$/i;

/**
 * `touchline spend unmatched`: the data-quality view of the join. Spend no touch matched shows
 * under "(unmatched spend)" in reports; here it is by campaign, so its URLs can be fixed (add
 * `utm_id` with the network's campaign-id macro). Paid touches no spend matched are money the
 * reports cannot price: a network not imported, or a campaign name edited since.
 */
export function unmatchedReport(days: readonly CampaignDay[], groups: readonly TouchGroup[]): { spend: UnmatchedSpend[]; touches: UnmatchedTouches[] } {
  const byCampaign = new Map<string, { c: CampaignDay; micros: bigint; dates: Set<string> }>();
  for (const d of days) {
    const key = JSON.stringify([d.network, d.campaignId, d.campaignName, d.currency]);
    const e = byCampaign.get(key) ?? { c: d, micros: 0n, dates: new Set<string>() };
    e.micros += d.costMicros;
    e.dates.add(d.date);
    byCampaign.set(key, e);
  }
  const used = new Set<TouchGroup>();
  const spend: UnmatchedSpend[] = [];
  for (const { c, micros, dates } of byCampaign.values()) {
    const m = matchCampaign(c, groups);
    for (const g of m.groups) used.add(g);
    if (m.by !== JoinedBy.None) continue;
    const sorted = [...dates].sort();
    spend.push({
      network: c.network, campaignId: c.campaignId, campaignName: c.campaignName, currency: c.currency, cost: microsToDecimal(micros),
      days: sorted.length, firstDate: sorted[0]!, lastDate: sorted[sorted.length - 1]!,
    });
  }
  const touches = groups
    .filter((g) => !used.has(g) && (PAID_MEDIUM.test(g.medium) || g.clickIdType !== null))
    .map((g) => ({ source: g.source, medium: g.medium, utmCampaign: g.utmCampaign, utmId: g.utmId, clickIdType: g.clickIdType, sessions: g.sessions }));
  // Several level values per campaign are one line here.
  const merged = new Map<string, UnmatchedTouches>();
  for (const t of touches) {
    const key = JSON.stringify([t.source, t.medium, t.utmCampaign, t.utmId, t.clickIdType]);
    const e = merged.get(key);
    merged.set(key, e ? { ...e, sessions: e.sessions + t.sessions } : t);
  }
  spend.sort((a, b) => Number(b.cost) - Number(a.cost) || a.campaignId.localeCompare(b.campaignId));
  return { spend, touches: [...merged.values()].sort((a, b) => b.sessions - a.sessions) };
}
