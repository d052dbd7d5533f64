import { WarehouseEngine, type SqlValue, type Warehouse } from '../warehouse/warehouse.js';
import { readCsvLines, type CsvInput } from './csv-lines.js';
import { isCalendarDate } from './spend-csv.js';

/** One daily rate: 1 `from` = `rate` `to` on `date`. */
export interface FxRate {
  readonly date: string;
  readonly from: string;
  readonly to: string;
  readonly rate: number;
}

/** How old a rate may be and still convert a day's cost (weekends and holidays have none). */
export const RATE_MAX_AGE_DAYS = 7;

/**
 * The rates the user imported, for converting costs into the reporting currency. A day uses the
 * latest rate on or before it, at most {@link RATE_MAX_AGE_DAYS} old; a rate the other way round
 * (reporting → cost currency) is used inverted. No rate: the cost is not converted, and the
 * report says which currency and days lack one — Touchline never guesses a rate.
 */
export interface RateBook {
  rate(date: string, from: string, to: string): number | null;
}

export function rateBook(rates: readonly FxRate[]): RateBook {
  const series = new Map<string, { date: string; rate: number }[]>();
  const add = (from: string, to: string, date: string, rate: number) => {
    const k = `${from}>${to}`;
    const list = series.get(k) ?? [];
    list.push({ date, rate });
    series.set(k, list);
  };
  for (const r of rates) {
    add(r.from, r.to, r.date, r.rate);
    add(r.to, r.from, r.date, 1 / r.rate);
  }
  for (const list of series.values()) list.sort((a, b) => a.date.localeCompare(b.date));
  return {
    rate(date, from, to) {
      if (from === to) return 1;
      const list = series.get(`${from}>${to}`);
      if (!list) return null;
      let best: { date: string; rate: number } | null = null;
      for (const x of list) if (x.date <= date) best = x;
      if (!best) return null;
      const age = (Date.parse(date) - Date.parse(best.date)) / 86_400_000;
      return age <= RATE_MAX_AGE_DAYS ? best.rate : null;
    },
  };
}

/** Every imported rate (the newest version of each on ClickHouse). */
export async function readRates(warehouse: Warehouse): Promise<FxRate[]> {
  const duck = warehouse.engine === WarehouseEngine.DuckDB;
  const r = await warehouse.query(`SELECT ${duck ? 'CAST(date AS VARCHAR)' : 'toString(date)'} AS date, from_currency, to_currency, rate FROM fx_rates${duck ? '' : ' FINAL'}`);
  return r.rows.map((row) => ({ date: String(row[0]), from: String(row[1]), to: String(row[2]), rate: Number(row[3]) }));
}

/** One rate line, or why it is not one. */
export function rateOf(record: Readonly<Record<string, string>>): { ok: true; rate: FxRate } | { ok: false; reasons: string[] } {
  const by = new Map(Object.entries(record).map(([k, v]) => [k.trim().toLowerCase(), (v ?? '').trim()]));
  const reasons: string[] = [];
  const date = by.get('date') ?? '';
  if (!isCalendarDate(date)) reasons.push(date ? `date: "${date}" is not a day written YYYY-MM-DD` : 'date is missing');
  const from = (by.get('from_currency') ?? by.get('currency') ?? '').toUpperCase();
  const to = (by.get('to_currency') ?? '').toUpperCase();
  for (const [name, v] of [['from_currency', from], ['to_currency', to]] as const) {
    if (!/^[A-Z]{3}$/.test(v)) reasons.push(v ? `${name}: "${v}" is not a three-letter ISO 4217 code` : `${name} is missing`);
  }
  const text = by.get('rate') ?? '';
  const rate = Number(text);
  if (!(text !== '' && Number.isFinite(rate) && rate > 0)) reasons.push(text ? `rate: "${text}" is not a number > 0` : 'rate is missing');
  if (from && from === to) reasons.push('from_currency and to_currency are the same');
  return reasons.length ? { ok: false, reasons } : { ok: true, rate: { date, from, to, rate } };
}

/**
 * `touchline spend rates <file.csv>` (`date,from_currency,to_currency,rate`): upserts each rate
 * (a re-import of a day's rate replaces it). Bad lines are named and left out; the good ones load.
 */
export async function importRatesCsv(warehouse: Warehouse, input: CsvInput, nowMs: number): Promise<{ written: number; problems: { line: number; reasons: string[] }[] }> {
  const { values: rates, problems } = await readCsvLines(input, (record) => {
    const r = rateOf(record);
    return r.ok ? { ok: true, value: r.rate } : r;
  });
  const duck = warehouse.engine === WarehouseEngine.DuckDB;
  const at = warehouse.dialect.timestamp(nowMs);
  await warehouse.transaction(async (tx) => {
    for (let i = 0; i < rates.length; i += 200) {
      const params: Record<string, SqlValue> = {};
      const tuples = rates.slice(i, i + 200).map((r, j) => {
        const k = `r${j}`;
        Object.assign(params, { [`${k}d`]: r.date, [`${k}f`]: r.from, [`${k}t`]: r.to, [`${k}r`]: r.rate });
        return `($${k}d, $${k}f, $${k}t, $${k}r, ${at}${duck ? '' : `, ${Math.trunc(nowMs)}`})`;
      });
      const cols = `date, from_currency, to_currency, rate, loaded_at${duck ? '' : ', version'}`;
      await tx.run(`INSERT ${duck ? 'OR REPLACE ' : ''}INTO fx_rates (${cols}) VALUES ${tuples.join(', ')}`, params);
    }
  });
  return { written: rates.length, problems };
}
