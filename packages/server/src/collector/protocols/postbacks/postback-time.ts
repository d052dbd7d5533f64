import { parseIsoTime } from '@touchline/protocol';
import { isoFromMs } from '../json-values.js';

/**
 * A provider's event time: AppsFlyer's `"2026-12-01 10:00:00.123"` (UTC), ISO-8601, or
 * milliseconds since the epoch (Branch). `undefined` when absent, `null` when unreadable.
 */
export function providerTime(v: unknown): string | undefined | null {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'number') return isoFromMs(v);
  if (typeof v !== 'string') return null;
  if (/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{1,3})?$/.test(v)) return parseIsoTime(v.replace(' ', 'T') + 'Z');
  if (/^\d{10,16}$/.test(v)) return isoFromMs(v);
  return parseIsoTime(v);
}
