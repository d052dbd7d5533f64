import { parse as parseCsv } from 'csv-parse/sync';
import type { CampaignMeta } from '../campaigns.js';
import type { SpendRow } from '../spend-row.js';
import { amountOf, contractBreak, costMicrosOf, countOf } from './more-sources-http.js';
import type { SpendPage, SpendWindow } from './spend-source.js';

export const MICROSOFT_NETWORK = 'microsoft_ads';
const NETWORK = MICROSOFT_NETWORK;
/** Without TimePeriod the report silently becomes a Summary (§B5 "Trap"), so it is always asked for and checked. */
export const MICROSOFT_COLUMNS = ['TimePeriod', 'AccountId', 'CampaignId', 'CampaignName', 'CampaignStatus', 'Spend', 'Impressions', 'Clicks', 'Conversions', 'Revenue', 'CurrencyCode'] as const;

/**
 * The CSV of a daily CampaignPerformanceReport (reporting-and-spend.md §B5): one header line
 * (report header and footer excluded in the request), then one line per campaign and day.
 */
export function microsoftReportPage(csv: string, window: SpendWindow, account: string): SpendPage {
  let records: Record<string, string>[];
  try {
    records = parseCsv(csv, { columns: true, bom: true, skip_empty_lines: true }) as Record<string, string>[];
  } catch (error) {
    throw contractBreak(NETWORK, `the report CSV does not parse: ${error instanceof Error ? error.message : String(error)}`);
  }
  const header = records[0] ? Object.keys(records[0]) : [];
  const missing = MICROSOFT_COLUMNS.filter((c) => records.length > 0 && !header.includes(c));
  if (missing.length) throw contractBreak(NETWORK, `the report has no ${missing.join(', ')} column (a Summary report instead of a Daily one?)`);
  const rows: SpendRow[] = [];
  const campaigns = new Map<string, CampaignMeta>();
  records.forEach((r, i) => {
    const row = rowOf(r, i + 2, window, account);
    rows.push(row);
    const status = r['CampaignStatus']?.trim();
    campaigns.set(row.campaignId, { network: NETWORK, account, campaignId: row.campaignId, campaignName: row.campaignName, status: status ? status.toUpperCase() : null, objective: null, channelType: null, adNetworkType: null });
  });
  return { rows, campaigns: [...campaigns.values()] };
}

/** `2026-11-01`, or `11/1/2026` as some report locales write it; else null. */
function dayOf(text: string): string | null {
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text);
  const day = iso ? text : us ? `${us[3]}-${us[1]!.padStart(2, '0')}-${us[2]!.padStart(2, '0')}` : null;
  return day && !Number.isNaN(Date.parse(`${day}T00:00:00Z`)) && new Date(`${day}T00:00:00Z`).toISOString().startsWith(day) ? day : null;
}

function rowOf(r: Record<string, string>, line: number, window: SpendWindow, account: string): SpendRow {
  const at = `report line ${line}`;
  const date = dayOf((r['TimePeriod'] ?? '').trim());
  if (!date || date < window.since || date > window.until) throw contractBreak(NETWORK, `${at}: TimePeriod ${JSON.stringify(r['TimePeriod'])} is no day of ${window.since}..${window.until}`);
  if ((r['AccountId'] ?? '').trim() !== account) throw contractBreak(NETWORK, `${at}: AccountId ${JSON.stringify(r['AccountId'])} is not the account ${account}`);
  const campaignId = (r['CampaignId'] ?? '').trim();
  if (!/^\d{1,20}$/.test(campaignId)) throw contractBreak(NETWORK, `${at}: CampaignId ${JSON.stringify(r['CampaignId'])}`);
  const currency = (r['CurrencyCode'] ?? '').trim();
  if (!/^[A-Z]{3}$/.test(currency)) throw contractBreak(NETWORK, `${at}: CurrencyCode ${JSON.stringify(r['CurrencyCode'])}`);
  const name = (r['CampaignName'] ?? '').trim();
  return {
    network: NETWORK, account, date, campaignId, campaignName: name || null, adGroupId: '', adGroupName: null,
    costMicros: costMicrosOf(NETWORK, `${at}: Spend`, (r['Spend'] ?? '').trim()), currency,
    impressions: countOf(NETWORK, `${at}: Impressions`, r['Impressions']?.trim()), clicks: countOf(NETWORK, `${at}: Clicks`, r['Clicks']?.trim()),
    networkConversions: amountOf(NETWORK, `${at}: Conversions`, r['Conversions']?.trim()), networkConversionValue: amountOf(NETWORK, `${at}: Revenue`, r['Revenue']?.trim()),
  };
}
