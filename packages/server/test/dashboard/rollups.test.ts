import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOverview } from '../../src/dashboard/overview.js';
import { createRollups } from '../../src/dashboard/rollups.js';
import { erasePersonRows } from '../../src/privacy/erase-person.js';
import { personIdentifiers } from '../../src/privacy/person-identifiers.js';
import { startHarness, type Harness } from '../support/harness.js';

const DAY = 86_400_000;

/** The rollups, and the same figures computed from the events: they must never differ. */
async function both(h: Harness) {
  const rolled = await h.sql(`SELECT day, type, library, events FROM dashboard_event_days ORDER BY day, type, library`);
  const raw = await h.sql(`SELECT epoch_ms("timestamp") // ${DAY} AS day, type, library_name AS library, count(*) AS events FROM events GROUP BY ALL ORDER BY day, type, library`);
  const rolledVisitors = await h.sql(`SELECT day, count(*) AS n FROM dashboard_visitor_days GROUP BY day ORDER BY day`);
  const rawVisitors = await h.sql(`SELECT epoch_ms("timestamp") // ${DAY} AS day, count(DISTINCT anonymous_id) AS n FROM events WHERE anonymous_id IS NOT NULL GROUP BY day ORDER BY day`);
  const rolledConversions = await h.sql(`SELECT day, conversions, revenue FROM dashboard_conversion_days ORDER BY day`);
  const rawConversions = await h.sql(`SELECT epoch_ms("timestamp") // ${DAY} AS day, count(*) AS conversions, sum(coalesce(CAST(properties->>'revenue' AS DOUBLE), 0)) AS revenue
    FROM events WHERE type = 'track' AND event = 'Order Completed' GROUP BY day ORDER BY day`);
  const rolledSessions = await h.sql(`SELECT day, sessions, with_touch FROM dashboard_session_days ORDER BY day`);
  const rawSessions = await h.sql(`SELECT epoch_ms(started_at) // ${DAY} AS day, count(*) AS sessions, count(*) FILTER (WHERE kind <> 'direct') AS with_touch FROM sessions GROUP BY day ORDER BY day`);
  return { rolled, raw, rolledVisitors, rawVisitors, rolledConversions, rawConversions, rolledSessions, rawSessions };
}

describe('the dashboard rollups follow the loader', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.dispose());

  const send = async (batch: unknown[]) => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: h.auth }, payload: { batch } });
    expect(res.statusCode).toBe(200);
    await h.loader.flush();
  };

  it('each load recomputes the days it touched, old days of an import included, and nothing else drifts', async () => {
    const now = Date.now();
    await send([
      { type: 'page', anonymousId: 'a1', timestamp: new Date(now - 3 * DAY).toISOString(), context: { library: { name: '@touchline/tracker', version: '1' } } },
      { type: 'track', event: 'X', anonymousId: 'a1', timestamp: new Date(now - 3 * DAY).toISOString() },
      { type: 'track', event: 'Order Completed', anonymousId: 'a1', properties: { revenue: 12.5 }, timestamp: new Date(now - 3 * DAY).toISOString() },
    ]);
    let s = await both(h);
    expect(s.rolled.length).toBeGreaterThan(0);
    expect(s.rolled).toEqual(s.raw);
    // A second load into the same day, a later day, and a historic import far back.
    await send([
      { type: 'page', anonymousId: 'a2', timestamp: new Date(now - 3 * DAY + 1000).toISOString() },
      { type: 'page', anonymousId: 'a1', timestamp: new Date(now).toISOString() },
      { type: 'identify', userId: 'u1', anonymousId: 'a3', timestamp: new Date(now - 400 * DAY).toISOString() },
      { type: 'track', event: 'Order Completed', anonymousId: 'a2', properties: { revenue: 7 }, timestamp: new Date(now - 3 * DAY + 2000).toISOString() },
      { type: 'track', event: 'Order Completed', userId: 'u1', properties: { value: 100 }, timestamp: new Date(now - 400 * DAY).toISOString() },
    ]);
    s = await both(h);
    expect(s.rolledConversions.length).toBe(2);
    expect(s.rolledConversions.map((r) => [r['day'], r['conversions']])).toEqual(s.rawConversions.map((r) => [r['day'], r['conversions']]));
    expect(s.rolledConversions.map((r) => r['revenue'])).toEqual([100, 19.5]);
    expect(s.rolled).toEqual(s.raw);
    expect(s.rolledVisitors).toEqual(s.rawVisitors);
    expect(s.rolledSessions.length).toBeGreaterThan(0);
    expect(s.rolledSessions).toEqual(s.rawSessions);
    expect(s.rolled.some((r) => Number(r['day']) === Math.floor((now - 400 * DAY) / DAY))).toBe(true);
    // A duplicate is not loaded twice, nor counted twice.
    const dup = { type: 'page', anonymousId: 'a9', messageId: 'dup-1', timestamp: new Date(now).toISOString() };
    await send([dup]);
    await send([dup]);
    s = await both(h);
    expect(s.rolled).toEqual(s.raw);
  });

  it("counts distinct visitors of any range from each day's previous day, through imports between days and a deletion", async () => {
    const today = Math.floor(Date.now() / DAY);
    const page = (id: string, day: number) => ({ type: 'page', anonymousId: id, timestamp: new Date(day * DAY + 3_600_000).toISOString() });
    // v1 on days -20 and -2 (a gap), v2 on -10, -9 and -2, v3 on -9 only.
    await send([page('v1', today - 20), page('v1', today - 2), page('v2', today - 10), page('v2', today - 9), page('v2', today - 2), page('v3', today - 9)]);
    // An import of old history between v1's two days: its day -2 row now follows day -10, not -20.
    await send([page('v1', today - 10), page('v3', today - 30)]);
    const ranges: [number, number][] = [[-40, 1], [-10, -1], [-10, -9], [-9, -1], [-2, -1], [-19, -3], [-30, -29], [-21, -10], [-1, 1]];
    const check = async (label: string) => {
      for (const [a, b] of ranges) {
        const range = { sinceMs: (today + a) * DAY, untilMs: (today + b) * DAY };
        const rolled = (await readOverview(h.warehouse, h.derived.sql, range, true)).totals.visitors;
        const raw = await h.sql(`SELECT count(DISTINCT anonymous_id) AS n FROM events WHERE "timestamp" >= to_timestamp(${range.sinceMs / 1000}) AND "timestamp" < to_timestamp(${range.untilMs / 1000})`);
        expect(rolled, `${label}: days ${a} to ${b}`).toBe(Number(raw[0]?.['n']));
      }
    };
    await check('after the loads');
    expect((await readOverview(h.warehouse, h.derived.sql, { sinceMs: (today - 10) * DAY, untilMs: (today - 3) * DAY }, true)).totals.visitors).toBe(3);
    const prev = await h.sql(`SELECT day - ${today} AS d, prev_day - ${today} AS p FROM dashboard_visitor_days WHERE anonymous_id = 'v1' ORDER BY day`);
    expect(prev.map((r) => [Number(r['d']), r['p'] === null ? null : Number(r['p'])])).toEqual([[-20, null], [-10, -20], [-2, -10]]);
    // A privacy deletion takes every row of the id, so no other visitor's count moves.
    await erasePersonRows(h.warehouse, await personIdentifiers(h.warehouse, { kind: 'anonymous_id', value: 'v2' }));
    expect(Number((await h.sql(`SELECT count(*) AS n FROM dashboard_visitor_days WHERE anonymous_id = 'v2'`))[0]?.['n'])).toBe(0);
    await check('after deleting v2');
    // A rebuild gives the same previous days as the refreshes did.
    const before = await h.sql(`SELECT day, anonymous_id, prev_day FROM dashboard_visitor_days ORDER BY ALL`);
    await h.warehouse.query('UPDATE dashboard_rollup_state SET version = -1', { readOnly: false });
    await createRollups(h.warehouse, h.derived.sql).ensure();
    expect(await h.sql(`SELECT day, anonymous_id, prev_day FROM dashboard_visitor_days ORDER BY ALL`)).toEqual(before);
  });

  it('rebuilds from the events when its tables are of another version (or were lost)', async () => {
    await h.warehouse.query('UPDATE dashboard_rollup_state SET version = -1', { readOnly: false });
    await h.warehouse.query('DELETE FROM dashboard_event_days', { readOnly: false });
    await createRollups(h.warehouse, h.derived.sql).ensure();
    const s = await both(h);
    expect(s.rolled.length).toBeGreaterThan(0);
    expect(s.rolled).toEqual(s.raw);
  });
});
