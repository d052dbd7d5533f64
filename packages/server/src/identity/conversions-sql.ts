import { valueProperties, type ConversionDefinition } from '../definitions/conversions.js';
import { personKeySql, type TouchRules } from './touch-sql.js';

export interface ConversionFilter {
  /** Conversions at or after this time (ISO-8601). */
  readonly since?: string | undefined;
  /** Conversions before this time (ISO-8601). */
  readonly until?: string | undefined;
}

/** Epoch milliseconds of an ISO-8601 time (`--since` / `--until`). */
export function msOf(iso: string): number {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new RangeError(`not an ISO-8601 time: ${JSON.stringify(iso)}`);
  return ms;
}

/**
 * The conversions: `track` events whose name one of the definitions lists, with the definition's
 * name, the value (the first of its value properties holding a finite number; 0 otherwise) and
 * the currency. Events stating another currency than the definition's are left out.
 *
 * Columns: person_key, converted_at, t (epoch ms), conversion, event, value, currency,
 * message_id, source_id, user_id, anonymous_id.
 */
export function conversionsSql(r: TouchRules, defs: readonly ConversionDefinition[], filter: ConversionFilter = {}): string {
  const f = r.fns;
  const all = [...new Set(defs.flatMap((d) => d.events))];
  // Names, currencies and value properties are configuration (or `--conversions`): values.
  const whenDef = (d: ConversionDefinition) => `event IN (${d.events.map((e) => f.string(e)).join(', ')})`;
  const name = `(CASE ${defs.map((d) => `WHEN ${whenDef(d)} THEN ${f.string(d.name ?? d.events[0]!)}`).join(' ')} END)`;
  const value = `(CASE ${defs
    .map((d) => `WHEN ${whenDef(d)} THEN coalesce(${[...valueProperties(d).map((p) => f.jsonNumber('properties', p)), '0'].join(', ')})`)
    .join(' ')} END)`;
  const stated = (d: ConversionDefinition) => f.upper(f.trimWs(f.text(f.jsonText('properties', d.currencyProperty))));
  const currency = `(CASE ${defs
    .map((d) => `WHEN ${whenDef(d)} THEN ${d.currency ? f.string(d.currency.toUpperCase()) : f.nullIfEmpty(stated(d))}`)
    .join(' ')} END)`;
  // A definition with a currency keeps the events stating it, or none.
  const currencyOk = defs
    .filter((d) => d.currency)
    .map((d) => `NOT (${whenDef(d)} AND ${stated(d)} NOT IN ('', ${f.string(d.currency!.toUpperCase())}))`);
  const t = f.epochMs('"timestamp"');
  const range = [
    ...(filter.since ? [`${t} >= ${f.value(msOf(filter.since))}`] : []),
    ...(filter.until ? [`${t} < ${f.value(msOf(filter.until))}`] : []),
  ];
  const where = [`type = 'track'`, `event IN (${all.map((e) => f.string(e)).join(', ')})`, ...currencyOk, ...range].join(' AND ');
  return `SELECT ${personKeySql(r)} AS person_key, "timestamp" AS converted_at, ${t} AS t, ${name} AS conversion, event, ${value} AS value, ${currency} AS currency,
  message_id, source_id, user_id, anonymous_id
FROM events WHERE ${where}`;
}

/** Conversions a definition with a currency left out because they state another one. */
export function otherCurrencySql(r: TouchRules, defs: readonly ConversionDefinition[]): string | null {
  const f = r.fns;
  const withCurrency = defs.filter((d) => d.currency);
  if (withCurrency.length === 0) return null;
  const cond = withCurrency
    .map((d) => {
      const stated = f.upper(f.trimWs(f.text(f.jsonText('properties', d.currencyProperty))));
      return `(event IN (${d.events.map((e) => f.string(e)).join(', ')}) AND ${stated} NOT IN ('', ${f.string(d.currency!.toUpperCase())}))`;
    })
    .join(' OR ');
  return `SELECT count(*) AS n FROM events WHERE type = 'track' AND (${cond})`;
}
