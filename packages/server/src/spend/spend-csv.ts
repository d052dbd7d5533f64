import { decimalToMicros } from './decimal.js';
import type { SpendRow } from './spend-row.js';
import type { SpendDay } from './write-spend.js';

/**
 * The spend CSV (docs/spend.md): one row per day and campaign (or ad group), header names as
 * below, any order, case and surrounding spaces ignored. Required: `date`, `network`, `cost` (or
 * `cost_micros`), `currency`, and `campaign_id` or `campaign_name`.
 */
export const SPEND_CSV_COLUMNS = [
  'date', 'network', 'account', 'campaign_id', 'campaign_name', 'ad_group_id', 'ad_group_name',
  'cost', 'cost_micros', 'currency', 'impressions', 'clicks', 'conversions', 'conversion_value',
] as const;
type CsvColumn = (typeof SPEND_CSV_COLUMNS)[number];

/** A row the import refused: its line in the file and every reason. */
export interface RowProblem {
  readonly line: number;
  readonly reasons: readonly string[];
  /** The day the row was for, when that much could be read (that day is then left as it was). */
  readonly day: SpendDay | null;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const NETWORK = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

/** A real calendar day `YYYY-MM-DD` (2026-02-30 is not one). */
export function isCalendarDate(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

function count(v: string | undefined, name: string, reasons: string[]): number | null {
  if (v === undefined || v === '') return null;
  const n = Number(v.replace(/,/g, ''));
  if (!Number.isSafeInteger(n) || n < 0) {
    reasons.push(`${name}: "${v}" is not a whole number ≥ 0`);
    return null;
  }
  return n;
}

function amount(v: string | undefined, name: string, reasons: string[]): number | null {
  if (v === undefined || v === '') return null;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) {
    reasons.push(`${name}: "${v}" is not a number ≥ 0`);
    return null;
  }
  return n;
}

function costOf(get: (c: CsvColumn) => string | undefined, reasons: string[]): bigint | null {
  const cost = get('cost');
  const micros = get('cost_micros');
  if (cost && micros) reasons.push('give cost or cost_micros, not both');
  else if (cost) {
    const m = decimalToMicros(cost);
    if (m === null || m < 0n) reasons.push(`cost: "${cost}" is not a decimal amount ≥ 0 with at most 6 decimals (write 1234.56, no currency sign or thousands separator)`);
    else return m;
  } else if (micros) {
    if (!/^\d+$/.test(micros)) reasons.push(`cost_micros: "${micros}" is not a whole number ≥ 0`);
    else return BigInt(micros);
  } else reasons.push('cost (or cost_micros) is missing');
  return null;
}

/** One CSV record (header → text) as a spend row, or the reasons it is not one. */
export function spendRowOf(record: Readonly<Record<string, string>>, line: number): { ok: true; row: SpendRow } | { ok: false; problem: RowProblem } {
  const by = new Map(Object.entries(record).map(([k, v]) => [k.trim().toLowerCase(), (v ?? '').trim()]));
  const get = (c: CsvColumn) => by.get(c) || undefined;
  const reasons: string[] = [];
  const date = get('date') ?? '';
  if (!isCalendarDate(date)) reasons.push(date ? `date: "${date}" is not a day written YYYY-MM-DD` : 'date is missing');
  const network = (get('network') ?? '').toLowerCase();
  if (!NETWORK.test(network)) reasons.push(network ? `network: "${network}" must be a short name of letters, digits, _ . - (google_ads, meta, linkedin, tiktok, microsoft_ads)` : 'network is missing');
  const account = get('account') ?? '';
  const campaignId = get('campaign_id') ?? '';
  const campaignName = get('campaign_name') ?? null;
  if (!campaignId && !campaignName) reasons.push('campaign_id or campaign_name is needed');
  const currency = (get('currency') ?? '').toUpperCase();
  if (!/^[A-Z]{3}$/.test(currency)) reasons.push(currency ? `currency: "${currency}" is not a three-letter ISO 4217 code` : 'currency is missing');
  const costMicros = costOf(get, reasons);
  const impressions = count(get('impressions'), 'impressions', reasons);
  const clicks = count(get('clicks'), 'clicks', reasons);
  const networkConversions = amount(get('conversions'), 'conversions', reasons);
  const networkConversionValue = amount(get('conversion_value'), 'conversion_value', reasons);
  if (reasons.length > 0 || costMicros === null) {
    const day = isCalendarDate(date) && NETWORK.test(network) ? { network, account, date } : null;
    return { ok: false, problem: { line, reasons, day } };
  }
  const adGroupName = get('ad_group_name') ?? null;
  return {
    ok: true,
    row: {
      network, account, date, campaignId: campaignId || `name:${campaignName}`, campaignName, adGroupId: get('ad_group_id') ?? '', adGroupName,
      costMicros, currency, impressions, clicks, networkConversions, networkConversionValue,
    },
  };
}

/** Headers the file has that the import does not know: likely a typo, so the import says so. */
export function unknownHeaders(headers: readonly string[]): string[] {
  const known = new Set<string>(SPEND_CSV_COLUMNS);
  return headers.filter((h) => !known.has(h.trim().toLowerCase()));
}
