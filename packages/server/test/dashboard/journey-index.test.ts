import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJourney, type Journey } from '../../src/dashboard/journey.js';
import { JOURNEY_TABLE } from '../../src/dashboard/journey-index.js';
import { createRollups } from '../../src/dashboard/rollups.js';
import { ensureTouchLabels, TOUCH_LABELS_TABLE, touchLabelRules } from '../../src/dashboard/touch-labels.js';
import type { Warehouse } from '../../src/warehouse/warehouse.js';
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

  /** The touch labels of the current rules: every landing signature of the sessions, labelled as the `sessions` view labels it. */
  const expectLabels = async () => {
    const signature = 't.utm_source, t.utm_medium, t.utm_campaign, t.implied_click, t.referrer_domain';
    const expected = await h.sql(`SELECT DISTINCT ${signature}, s.source, s.medium, s.campaign, s.channel FROM sessions AS s JOIN touch_sessions AS t USING (session_id, device_id) ORDER BY ALL`);
    const labels = await h.sql(`SELECT ${signature}, t.source, t.medium, t.campaign, t.channel FROM ${TOUCH_LABELS_TABLE} AS t WHERE rules = '${touchLabelRules(h.derived.sql)}' ORDER BY ALL`);
    expect(expected.length).toBeGreaterThan(2);
    expect(labels).toEqual(expected);
  };

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

  it("labels each landing signature once, as the sessions view labels it, and reads a person's touches through the labels", async () => {
    await expectLabels();
    // The statements of one lookup: the touches come through the labels, no statement carries the channel rules.
    const seen: string[] = [];
    const spy = new Proxy(h.warehouse, {
      get: (t, k) => (k === 'query' ? (sql: string, o: unknown) => (seen.push(sql), t.query(sql, o as never)) : (Reflect.get(t, k) as unknown)),
    }) as Warehouse;
    const ann = await readJourney(spy, h.derived.sql, 'ann@example.com', true);
    expect(seen.filter((q) => q.includes('touch_sessions')).every((q) => q.includes(TOUCH_LABELS_TABLE))).toBe(true);
    expect(ann!.touches.map((t) => t['channel'])).toEqual(['Email', 'Paid Search']);
    // Labels of other rules (a changed config) are not read: the journey falls back to the rules, same answer.
    const other = { ...h.derived.sql, rules: { ...h.derived.sql.rules, clickIdPrecedence: 'utm' as const } };
    await ensureTouchLabels(h.warehouse, other);
    expect(await h.sql(`SELECT DISTINCT rules FROM ${TOUCH_LABELS_TABLE}`)).toEqual([{ rules: touchLabelRules(other) }]);
    expect(touchLabelRules(other)).not.toBe(touchLabelRules(h.derived.sql));
    const { indexed, scanned } = await both('ann@example.com');
    expect(indexed).toEqual(scanned);
    await ensureTouchLabels(h.warehouse, h.derived.sql);
    expect(await h.sql(`SELECT DISTINCT rules FROM ${TOUCH_LABELS_TABLE}`)).toEqual([{ rules: touchLabelRules(h.derived.sql) }]);
  });

  it('follows each load (a new device of the same person, a replayed duplicate), and is rebuilt when lost', async () => {
    await send([
      { type: 'identify', anonymousId: 'a3', userId: 'u1', timestamp: at(120) },
      // A landing no one had: the load labels it.
      { type: 'page', anonymousId: 'a3', timestamp: at(119), context: { page: { url: 'https://shop.test/?utm_source=partner&utm_medium=affiliate&utm_campaign=dec' } } },
      { type: 'track', event: 'Order Completed', anonymousId: 'a3', properties: { value: 5, currency: 'USD' }, timestamp: at(121), messageId: 'm-dup' },
    ]);
    await send([{ type: 'track', event: 'Order Completed', anonymousId: 'a3', properties: { value: 5, currency: 'USD' }, timestamp: at(121), messageId: 'm-dup' }]);
    const { indexed, scanned } = await both('a1');
    expect(indexed).toEqual(scanned);
    await expectLabels();
    expect((await h.sql(`SELECT channel FROM ${TOUCH_LABELS_TABLE} WHERE utm_campaign = 'dec'`)).map((r) => r['channel'])).toEqual(['Affiliates']);
    const a1 = (await readJourney(h.warehouse, h.derived.sql, 'a1', true))!;
    expect(a1.conversions).toHaveLength(2);
    expect(a1.ids.anonymousIds).toContain('a3');
    expect(Number((await h.sql(`SELECT count(*) AS n FROM ${JOURNEY_TABLE}`))[0]?.['n'])).toBe(await expectedRows());

    await h.warehouse.query(`DROP TABLE ${JOURNEY_TABLE}`, { readOnly: false });
    await createRollups(h.warehouse, h.derived.sql).ensure();
    const rebuilt = await both('u1');
    expect((await readJourney(h.warehouse, h.derived.sql, 'u1', true))!.events).toHaveLength(8);
    expect(rebuilt.indexed).toEqual(rebuilt.scanned);
  });
});
