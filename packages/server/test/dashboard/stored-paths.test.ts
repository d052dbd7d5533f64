import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAttribution, type AttributeResponse } from '../../src/attribute/run-attribution.js';
import { createStoredPaths } from '../../src/attribute/stored-paths.js';
import { resolveConfig, type ConfigInput } from '../../src/config/config.js';
import { startHarness, type Harness } from '../support/harness.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-09-01T00:00:00.000Z');
const at = (days: number, minutes = 0) => new Date(T0 + days * DAY + minutes * 60_000).toISOString();
const url = (source: string, medium: string, campaign: string) => `https://shop.test/?utm_source=${source}&utm_medium=${medium}&utm_campaign=${campaign}`;
const CONFIG: ConfigInput = { attribution: { conversions: [{ name: 'Purchase', events: ['Order Completed'] }, { name: 'Lead', events: ['Lead Created'] }] } };

/** A few people over a month: several channels, two devices joined by a user id, repeat buyers. */
function journeys(prefix: string, offset: number): unknown[] {
  const e: unknown[] = [];
  const campaigns = [['google', 'cpc', 'brand'], ['newsletter', 'email', 'nov'], ['facebook', 'paid_social', 'retarget'], ['bing', 'cpc', 'generic']] as const;
  for (let i = 0; i < 12; i++) {
    const anon = `${prefix}-a${i}`;
    const d = offset + (i % 6) * 4;
    const [s, m, c] = campaigns[i % 4]!;
    const [s2, m2, c2] = campaigns[(i + 1) % 4]!;
    e.push({ type: 'page', anonymousId: anon, timestamp: at(d), context: { page: { url: url(s, m, c) } } });
    e.push({ type: 'page', anonymousId: anon, timestamp: at(d + 1), context: { page: { url: i % 3 === 0 ? 'https://shop.test/' : url(s2, m2, c2) } } });
    if (i % 2 === 0) e.push({ type: 'track', event: 'Order Completed', anonymousId: anon, properties: { revenue: 10 + i }, timestamp: at(d + 1, 5) });
    if (i % 3 === 1) e.push({ type: 'track', event: 'Lead Created', anonymousId: anon, timestamp: at(d + 2) });
    if (i % 4 === 0) {
      // A second device of the same buyer, joined by the user id, buying again later.
      e.push({ type: 'identify', anonymousId: anon, userId: `${prefix}-u${i}`, timestamp: at(d + 1, 1) });
      e.push({ type: 'page', anonymousId: `${anon}-phone`, timestamp: at(d + 3), context: { page: { url: url('tiktok', 'paid_social', 'spring') } } });
      e.push({ type: 'identify', anonymousId: `${anon}-phone`, userId: `${prefix}-u${i}`, timestamp: at(d + 3, 1) });
      e.push({ type: 'track', event: 'Order Completed', anonymousId: `${anon}-phone`, userId: `${prefix}-u${i}`, properties: { revenue: 40 }, timestamp: at(d + 3, 2) });
    }
  }
  return e;
}

/** What a page and `touchline attribute` must agree on: everything but notes, timings and where the paths came from. */
function numbers(r: AttributeResponse | Record<string, unknown>): Record<string, unknown> {
  const { notes: _n, timings: _t, paths: _p, ...rest } = r as Record<string, unknown>;
  return JSON.parse(JSON.stringify(rest)) as Record<string, unknown>;
}

const FILTERS: Record<string, unknown>[] = [
  { models: ['first_touch', 'last_touch', 'linear', 'position_based', 'time_decay', 'markov', 'shapley'], level: 'channel' },
  { models: ['last_touch', 'time_decay', { model: 'markov', order: 2 }], level: 'campaign', lookbackDays: 2, params: { direct: 'credit', halfLifeDays: 0.5 } },
  { models: ['first_touch', 'linear'], level: 'source_medium', conversions: ['Order Completed'], since: at(4), until: at(15), params: { direct: 'ignore' } },
  { models: ['last_touch'], level: 'campaign', resetAfterConversion: false, summaries: ['top_paths', 'time_to_convert'] },
];

describe('the attribution page reads stored conversion paths (DuckDB)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(CONFIG);
    await send(journeys('p', 0));
  });
  afterAll(async () => h?.dispose());

  async function send(batch: unknown[]) {
    const res = await h.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: h.auth }, payload: { batch } });
    expect(res.statusCode).toBe(200);
    await h.loader.flush();
  }
  async function page(body: Record<string, unknown>): Promise<AttributeResponse> {
    const res = await h.adminApp.inject({ method: 'POST', url: '/admin/attribute', headers: { authorization: `Bearer ${h.adminToken}` }, payload: body });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<AttributeResponse>();
  }
  /** `touchline attribute`'s run: no stored paths, the paths built from the sessions. */
  async function cli(body: Record<string, unknown>): Promise<AttributeResponse> {
    const config = resolveConfig({ dataDir: h.dataDir, ...CONFIG } as Record<string, unknown>, {}, {});
    return runAttribution(h.warehouse, config, body as never, { sessionsFresh: () => h.derived.sessionsFresh() });
  }

  it('computes and stores the paths on the first view, reads them on the next, with the numbers of touchline attribute', async () => {
    for (const f of FILTERS) {
      const first = await page(f);
      expect(first.paths, JSON.stringify(f)).toMatchObject({ from: 'computed', reason: 'no paths were stored for these filters yet' });
      expect(first.notes.some((n) => n.startsWith('paths computed from the events'))).toBe(true);
      const again = await page(f);
      expect(again.paths?.from, JSON.stringify(f)).toBe('stored');
      expect(again.notes.some((n) => n.startsWith('paths read from the stored conversion paths'))).toBe(true);
      const expected = numbers(await cli(f));
      expect(expected['totals']).toMatchObject({ conversions: expect.any(Number) as number });
      expect(numbers(first), JSON.stringify(f)).toEqual(expected);
      expect(numbers(again), JSON.stringify(f)).toEqual(expected);
    }
  });

  it('after a further load the stored paths are brought up to date: by the next view, or by the scheduled refresh', async () => {
    const before = numbers(await cli(FILTERS[0]!));
    await send(journeys('q', 10));
    const f0 = await page(FILTERS[0]!);
    // Only the persons the new load reaches are recomputed, not the combination whole.
    expect(f0.paths).toMatchObject({ from: 'updated', persons: expect.any(Number) as number });
    expect(f0.notes.some((n) => n.startsWith('paths read from the stored conversion paths, brought up to date'))).toBe(true);
    const after = numbers(await cli(FILTERS[0]!));
    expect(after).not.toEqual(before);
    expect(numbers(f0)).toEqual(after);
    // The scheduled refresh recomputes the other stored filter combinations; views then read them.
    expect(await createStoredPaths(h.warehouse).refreshStale()).toBe(FILTERS.length - 1);
    for (const f of FILTERS) {
      const r = await page(f);
      expect(r.paths?.from, JSON.stringify(f)).toBe('stored');
      expect(numbers(r), JSON.stringify(f)).toEqual(numbers(await cli(f)));
    }
  });

  it('a privacy deletion leaves no stored row of the person once refreshed, and a rebuild clears every row', async () => {
    const byCampaign = FILTERS[3]!;
    await send([
      { type: 'page', anonymousId: 'erase-me', timestamp: at(20), context: { page: { url: url('secret', 'email', 'erase-me-campaign') } } },
      { type: 'track', event: 'Order Completed', anonymousId: 'erase-me', properties: { revenue: 99 }, timestamp: at(20, 3) },
    ]);
    await page(byCampaign);
    const stored = async () => (await h.sql(`SELECT count(*) AS n FROM attribution_stored_paths WHERE list_contains(path, 'erase-me-campaign') OR packed LIKE '%erase-me-campaign%'`))[0]?.['n'];
    expect(Number(await stored())).toBeGreaterThan(0);
    // What a deletion does to the raw and derived tables: the person's events go, the sessions and aliases are rebuilt.
    await h.warehouse.query(`DELETE FROM events WHERE anonymous_id = 'erase-me'`, { readOnly: false });
    await h.derived.refreshAliases(true);
    await h.derived.rebuildSessions();
    expect(await createStoredPaths(h.warehouse).refreshStale()).toBeGreaterThan(0);
    expect(Number(await stored())).toBe(0);
    const r = await page(byCampaign);
    expect(r.paths?.from).toBe('stored');
    expect(numbers(r)).toEqual(numbers(await cli(byCampaign)));
    expect(JSON.stringify(r)).not.toContain('erase-me-campaign');
    await createStoredPaths(h.warehouse).clear();
    expect((await h.sql(`SELECT count(*) AS n FROM attribution_stored_paths`))[0]?.['n']).toBe(0);
  });
});
