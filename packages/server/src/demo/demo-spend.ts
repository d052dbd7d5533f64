import { randomUUID } from 'node:crypto';
import type { CampaignMeta } from '../spend/campaigns.js';
import { writeCampaigns } from '../spend/campaigns.js';
import type { SpendRow } from '../spend/spend-row.js';
import { writeSpend } from '../spend/write-spend.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { DEMO_CAMPAIGNS, DEMO_CURRENCY, type DemoCampaign } from './demo-campaigns.js';
import { seededRandom } from './demo-journeys.js';

const DAY_MS = 86_400_000;

export interface DemoSpendOptions {
  /** Days of spend, ending at `now`'s day (UTC), as the demo's journeys. @defaultValue 60 */
  readonly days?: number;
  readonly now: number;
  readonly seed?: number;
}

type PaidCampaign = DemoCampaign & { readonly platform: NonNullable<DemoCampaign['platform']>; readonly utm: NonNullable<DemoCampaign['utm']> };
const paid = (c: DemoCampaign): c is PaidCampaign => c.platform !== undefined && c.utm !== undefined && c.dailySpend > 0;

/** The demo's ad accounts: one per network, as a network would spell an account id. */
const accountOf = (network: string): string => `demo-${network}`;
const campaignIdOf = (c: PaidCampaign): string => `${c.platform}-${c.utm.campaign}`;

/**
 * The demo shop's daily spend: every paid campaign of {@link DEMO_CAMPAIGNS}, each day its
 * `dailySpend` ±15 % (to the cent), with impressions and clicks at plausible rates. The names are
 * the landings' `utm_campaign`, so spend joins touches by name on the campaign's own network, as
 * an account without the campaign-id macro does (docs/spend.md). Deterministic for a seed and `now`.
 */
export function demoSpendRows(o: DemoSpendOptions): SpendRow[] {
  const rand = seededRandom((o.seed ?? 20261207) ^ 0x5eed);
  const days = o.days ?? 60;
  const today = Math.floor(o.now / DAY_MS);
  const rows: SpendRow[] = [];
  for (let d = today - days; d <= today; d++) {
    const date = new Date(d * DAY_MS).toISOString().slice(0, 10);
    for (const c of DEMO_CAMPAIGNS.filter(paid)) {
      const cents = Math.round(c.dailySpend * (0.85 + 0.3 * rand()) * 100);
      const clicks = Math.max(1, Math.round(cents / (80 + rand() * 90)));
      rows.push({
        network: c.platform, account: accountOf(c.platform), date, campaignId: campaignIdOf(c), campaignName: c.utm.campaign,
        adGroupId: '', adGroupName: null, costMicros: BigInt(cents) * 10_000n, currency: DEMO_CURRENCY,
        impressions: clicks * (25 + Math.floor(rand() * 40)), clicks, networkConversions: null, networkConversionValue: null,
      });
    }
  }
  return rows;
}

/** The demo's campaigns' metadata (the Google ones typed as GA4 reads them). */
function demoCampaignMeta(): CampaignMeta[] {
  return DEMO_CAMPAIGNS.filter(paid).map((c) => ({
    network: c.platform, account: accountOf(c.platform), campaignId: campaignIdOf(c), campaignName: c.utm.campaign, status: 'ENABLED',
    objective: c.platform === 'google_ads' ? null : 'SALES',
    channelType: c.platform === 'google_ads' ? 'SEARCH' : null, adNetworkType: c.platform === 'google_ads' ? 'SEARCH' : null,
  }));
}

/** Writes the demo's spend as one load (a second run replaces the same days) and its campaigns. */
export async function writeDemoSpend(warehouse: Warehouse, o: DemoSpendOptions): Promise<{ rows: number; days: number }> {
  const rows = demoSpendRows(o);
  // A load id is unique per load (write-spend.ts): the new load then replaces the days of the last.
  const written = await writeSpend(warehouse, rows, { loadId: `demo-${randomUUID()}`, nowMs: o.now, origin: 'demo' });
  await writeCampaigns(warehouse, demoCampaignMeta(), o.now);
  return written;
}
