import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRollups } from '../../src/dashboard/rollups.js';
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

  it('rebuilds from the events when its tables are of another version (or were lost)', async () => {
    await h.warehouse.query('UPDATE dashboard_rollup_state SET version = -1', { readOnly: false });
    await h.warehouse.query('DELETE FROM dashboard_event_days', { readOnly: false });
    await createRollups(h.warehouse, h.derived.sql).ensure();
    const s = await both(h);
    expect(s.rolled.length).toBeGreaterThan(0);
    expect(s.rolled).toEqual(s.raw);
  });
});
