import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EVENT_COLUMNS, ColumnType } from '../../src/warehouse/schema.js';
import { BulkFormat, rowsEncoder } from '../../src/warehouse/clickhouse/clickhouse-bulk.js';
import { eventRows, type EventRows } from '../../src/warehouse/clickhouse/clickhouse-event-rows.js';
import { TimestampFlavor } from '../../src/warehouse/clickhouse/clickhouse-features.js';
import { eventStoreColumns } from '../../src/warehouse/clickhouse/clickhouse-load.js';
import { encodeRow, encodeTimestamp, namesItsOwnInstant } from '../../src/warehouse/clickhouse/clickhouse-values.js';

/**
 * The loader reads most event lines with its scanner instead of JSON.parse. Over generated lines —
 * the collector's shape, hostile strings, odd numbers, keys out of order, repeated or unknown keys,
 * whitespace — a line the scanner accepts must give the RowBinary bytes (or the refusal) that the
 * earlier path gives: JSON.parse, encodeRow, the RowBinary encoder.
 */
const BUCKET = 1_772_323_200_000;
const RUNS = 800;

type Outcome = { bytes: string } | { refused: string };

/** The earlier path's outcome, or null for a line that is not JSON (the loader quarantines it). */
function earlierPath(text: string, flavor: TimestampFlavor): Outcome | null {
  let line: Record<string, unknown>;
  try {
    line = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
  try {
    const row = encodeRow(line, EVENT_COLUMNS, flavor);
    row['dedup_bucket'] = BUCKET;
    const enc = rowsEncoder(BulkFormat.RowBinary, eventStoreColumns(flavor));
    enc.add(row);
    return { bytes: Buffer.concat(enc.take().chunks).toString('hex') };
  } catch (err) {
    return { refused: (err as Error).message };
  }
}

const staged = new Map<TimestampFlavor, EventRows>();
const rowsFor = (flavor: TimestampFlavor): EventRows => {
  if (!staged.has(flavor)) staged.set(flavor, eventRows(BulkFormat.RowBinary, eventStoreColumns(flavor), flavor));
  return staged.get(flavor)!;
};

/** The scanner's outcome, or null when it declines the line. */
function scannerPath(text: string, flavor: TimestampFlavor, via: 'scan' | 'object'): Outcome | null {
  const rows = rowsFor(flavor);
  rows.reset();
  if (via === 'scan' && !rows.scan(text)) return null;
  if (via === 'object') rows.fromObject(JSON.parse(text) as Record<string, unknown>);
  try {
    return { bytes: Buffer.from(rows.row(rows.stage(BUCKET)) as Uint8Array).toString('hex') };
  } catch (err) {
    return { refused: (err as Error).message };
  }
}

const hostile = fc.constantFrom('"', '\\', '\\"', '\n', '\u0000', '\u001f', '\ud800', '\udfff', '\ud83d\ude00', 'é', '/', '\u2028', '}', ',"x":', '{', ']');
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.array(fc.oneof(hostile, fc.string({ maxLength: 4 })), { maxLength: 6 }).map((a) => a.join('')),
  fc.date({ min: new Date(-62_000_000_000_000), max: new Date(253_000_000_000_000), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom('2026-02-29T00:00:00.000Z', '2026-03-01 10:00:00', 'true', '1', '0', 'false', ''),
);
/** A value as JSON text: mostly what JSON.stringify writes, sometimes number text it never writes. */
const valueText = fc.oneof(
  { weight: 6, arbitrary: text.map((s) => JSON.stringify(s)) },
  { weight: 2, arbitrary: fc.oneof(fc.double(), fc.integer(), fc.boolean(), fc.constant(null)).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.constantFrom('1.0', '-0', '1e400', '12345678901234567890', '9007199254740993', '1E2', '01', '+1', '.5', 'tru', 'nul') },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)) },
);
const NAMES = EVENT_COLUMNS.map((c) => c.name);

/** A line: `{"kind":"event"` and entries, in column order unless shuffled. */
const line = fc
  .record({
    entries: fc.uniqueArray(fc.tuple(fc.constantFrom(...NAMES), valueText), { selector: (e) => e[0], maxLength: 14 }),
    order: fc.constantFrom('columns', 'as generated'),
    extra: fc.oneof(
      { weight: 5, arbitrary: fc.constant('') },
      { weight: 1, arbitrary: fc.constantFrom(',"message_id":"again"', ',"unknown":1', ' ', ',"kind":"failed"', ',"__proto__":{}') },
    ),
  })
  .map(({ entries, order, extra }) => {
    const sorted = order === 'columns' ? [...entries].sort((a, b) => NAMES.indexOf(a[0]) - NAMES.indexOf(b[0])) : entries;
    return `{"kind":"event"${sorted.map(([k, v]) => `,"${k}":${v}`).join('')}${extra}}`;
  });

describe('the event-line scanner against JSON.parse', () => {
  for (const flavor of [TimestampFlavor.IsoString, TimestampFlavor.DateTime64]) {
    it(`gives the same RowBinary bytes or the same refusal, or declines (${flavor})`, () => {
      let accepted = 0;
      fc.assert(
        fc.property(line, (l) => {
          const fast = scannerPath(l, flavor, 'scan');
          const earlier = earlierPath(l, flavor);
          if (earlier === null) {
            expect(fast).toBeNull();
            return;
          }
          expect(scannerPath(l, flavor, 'object')).toEqual(earlier);
          if (fast === null) return;
          accepted++;
          expect(fast).toEqual(earlier);
        }),
        { numRuns: RUNS },
      );
      // Declining every line would pass the check above; most generated lines are in its shape.
      expect(accepted).toBeGreaterThan(RUNS / 4);
    });
  }

  it('reads the collector-shaped line of a real event, not JSON.parse', () => {
    const l =
      '{"kind":"event","message_id":"m1","source_id":"s","type":"track","event":"Added \\"x\\"","received_at":"2026-03-01T00:00:00.000Z","is_bot":false,"properties":{"a":[1,2.5,"}"]}}';
    const rows = eventRows(BulkFormat.RowBinary, eventStoreColumns(TimestampFlavor.IsoString), TimestampFlavor.IsoString);
    // An escape in the line sends it to JSON.parse; the same line without one is scanned.
    expect(rows.scan(l)).toBe(false);
    expect(rows.scan(l.replace('Added \\"x\\"', 'Added x'))).toBe(true);
    expect(rows.values[EVENT_COLUMNS.findIndex((c) => c.name === 'properties')]).toEqual({ a: [1, 2.5, '}'] });
    expect(EVENT_COLUMNS.find((c) => c.name === 'is_bot')?.type).toBe(ColumnType.Bool);
  });
});

describe('checking a canonical timestamp without the Date round trip', () => {
  it('agrees with Date.parse + toISOString on every digit pattern', () => {
    const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
    const iso = fc
      .tuple(fc.integer({ min: 0, max: 9999 }), two(19), two(39), two(29), two(69), two(69), fc.integer({ min: 0, max: 999 }))
      .map(([y, mo, d, h, mi, s, ms]) => `${String(y).padStart(4, '0')}-${mo}-${d}T${h}:${mi}:${s}.${String(ms).padStart(3, '0')}Z`);
    const roundTrip = (v: string) => {
      const t = Date.parse(v);
      return Number.isFinite(t) && new Date(t).toISOString() === v;
    };
    fc.assert(fc.property(iso, (v) => {
        expect(namesItsOwnInstant(v)).toBe(roundTrip(v));
      }), { numRuns: 5000 });
    for (const v of ['2000-02-29T00:00:00.000Z', '1900-02-29T00:00:00.000Z', '0000-02-29T23:59:59.999Z', '2026-01-01T24:00:00.000Z']) {
      expect(namesItsOwnInstant(v)).toBe(roundTrip(v));
      expect(encodeTimestamp(v, TimestampFlavor.IsoString)).toBe(roundTrip(v) ? v : null);
    }
  });
});
