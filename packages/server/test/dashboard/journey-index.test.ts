import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJourney, type Journey } from '../../src/dashboard/journey.js';
import { JOURNEY_TABLE } from '../../src/dashboard/journey-index.js';
import { createRollups } from '../../src/dashboard/rollups.js';
import { startHarness, type Harness } from '../support/harness.js';

const MIN = 60_000;
/** An id built to break SQL pasted from strings: quotes, a placeholder, comment openers, astral text. */
const HOSTILE = `a'"\\$p1--/*;é\u{1F600}`;

/** A journey with each list in a fixed order (ties in time may come back in either order). */
const canonical = (j: Journey | null): Record<string, unknown> | null =>
  j && {
    ...j,
    ...Object.fromEntries((['touches', 'events', 'identities', 'conversions', 'synced'] as const).map((k) => [k, j[k].map((r) => JSON.stringify(r)).sort()])),
    ids: { userIds: [...j.ids.userIds].sort(), anonymousIds: [...j.ids.anonymousIds].sort(), emails: [...j.ids.emails].sort() },
  };

describe('the Journeys lookup table answers exactly what a scan of the events does', () => {
  let h: Harness;
  const t0 = Date.parse('2026-11-01T10:00:00Z');
  const at = (minutes: number) => new Date(t0 + minutes * MIN).toISOString();
  const send = async (batch: unknown[]) => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: h.auth }, payload: { batch } });
    expect(res.statusCode).toBe(200);
    await h.loader.flush();
  };
  const both = async (q: string) => {
    const [indexed, scanned] = await Promise.all([readJourney(h.warehouse, h.derived.sql, q, true), readJourney(h.warehouse, h.derived.sql, q, false)]);
    return { indexed: canonical(indexed), scanned: canonical(scanned) };
  };
  /** Rows the table must hold: one per event and non-empty key (anonymous id, user id, an identify's e-mail). */
  const expectedRows = async () =>
    Number(
      (await h.sql(`SELECT sum((coalesce(anonymous_id, '') <> '')::INT + (coalesce(user_id, '') <> '')::INT + (type = 'identify' AND coalesce(traits->>'email', '') <> '')::INT) AS n FROM events`))[0]?.['n'],
    );

  beforeAll(async () => {
    h = await startHarness({ attribution: { conversions: [{ name: 'Purchase', events: ['Order Completed'] }] } });
    const url = 'https://shop.test/?utm_source=newsletter&utm_medium=email&utm_campaign=nov';
    await send([
      { type: 'page', anonymousId: 'a1', timestamp: at(0), context: { page: { url } } },
      { type: 'identify', anonymousId: 'a1', userId: 'u1', traits: { email: 'ann@example.com' }, timestamp: at(1) },
      { type: 'page', anonymousId: 'a2', timestamp: at(60), context: { page: { url: 'https://shop.test/?gclid=g1' } } },
      { type: 'identify', anonymousId: 'a2', userId: 'u1', timestamp: at(61) },
      { type: 'track', event: 'Order Completed', anonymousId: 'a2', userId: 'u1', properties: { value: 30, currency: 'USD' }, timestamp: at(62) },
      { type: 'page', anonymousId: 'someone-else', timestamp: at(5) },
      { type: 'page', anonymousId: HOSTILE, timestamp: at(7), context: { page: { url } } },
      { type: 'identify', anonymousId: HOSTILE, userId: `u-${HOSTILE}`, traits: { email: `${HOSTILE}@example.com` }, timestamp: at(8) },
    ]);
  });
  afterAll(async () => h?.dispose());

  it('finds a person by user id, either device, e-mail or a hostile id, with the same timeline as the scan', async () => {
    for (const q of ['u1', 'a1', 'a2', 'ann@example.com', HOSTILE, `${HOSTILE}@example.com`]) {
      const { indexed, scanned } = await both(q);
      expect(indexed, q).not.toBeNull();
      expect(indexed, q).toEqual(scanned);
    }
    const ann = (await readJourney(h.warehouse, h.derived.sql, 'ann@example.com', true))!;
    // Both devices, the identify, the purchase: every event of a1 and a2 once, though most carry both ids.
    expect(ann.events).toHaveLength(5);
    expect(ann.ids.anonymousIds).toEqual(['a1', 'a2']);
    expect(ann.conversions.map((c) => c['value'])).toEqual([30]);
    expect(ann.touches).toHaveLength(2);
    expect(await both('nobody')).toEqual({ indexed: null, scanned: null });
    // A key is matched whole: a prefix, or SQL in the query, finds nobody.
    expect((await both('u')).indexed).toBeNull();
    expect((await both(`u1' OR '1'='1`)).indexed).toBeNull();
    expect(Number((await h.sql(`SELECT count(*) AS n FROM ${JOURNEY_TABLE}`))[0]?.['n'])).toBe(await expectedRows());
  });

  it('follows each load (a new device of the same person, a replayed duplicate), and is rebuilt when lost', async () => {
    await send([
      { type: 'identify', anonymousId: 'a3', userId: 'u1', timestamp: at(120) },
      { type: 'track', event: 'Order Completed', anonymousId: 'a3', properties: { value: 5, currency: 'USD' }, timestamp: at(121), messageId: 'm-dup' },
    ]);
    await send([{ type: 'track', event: 'Order Completed', anonymousId: 'a3', properties: { value: 5, currency: 'USD' }, timestamp: at(121), messageId: 'm-dup' }]);
    const { indexed, scanned } = await both('a1');
    expect(indexed).toEqual(scanned);
    const a1 = (await readJourney(h.warehouse, h.derived.sql, 'a1', true))!;
    expect(a1.conversions).toHaveLength(2);
    expect(a1.ids.anonymousIds).toContain('a3');
    expect(Number((await h.sql(`SELECT count(*) AS n FROM ${JOURNEY_TABLE}`))[0]?.['n'])).toBe(await expectedRows());

    await h.warehouse.query(`DROP TABLE ${JOURNEY_TABLE}`, { readOnly: false });
    await createRollups(h.warehouse, h.derived.sql).ensure();
    const rebuilt = await both('u1');
    expect((await readJourney(h.warehouse, h.derived.sql, 'u1', true))!.events).toHaveLength(7);
    expect(rebuilt.indexed).toEqual(rebuilt.scanned);
  });
});
