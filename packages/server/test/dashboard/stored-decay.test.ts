import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineParams } from '../../src/attribute/engine-params.js';
import { pathStatements, storedStatement } from '../../src/attribute/path-statements.js';
import { directValueOf, duckdbPathsSql, PathRows } from '../../src/attribute/paths-sql.js';
import { runAttribution, type AttributeRequest, type AttributeResponse } from '../../src/attribute/run-attribution.js';
import { createStoredPaths, type StoredPaths } from '../../src/attribute/stored-paths.js';
import { decayParams, decaySettings } from '../../src/attribute/time-decay-rows.js';
import { resolveConfig, type ConfigInput } from '../../src/config/config.js';
import { startHarness, type Harness } from '../support/harness.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-09-01T00:00:00.000Z');
const at = (days: number, minutes = 0) => new Date(T0 + days * DAY + minutes * 60_000).toISOString();
const url = (s: string, m: string, c: string) => `https://shop.test/?utm_source=${s}&utm_medium=${m}&utm_campaign=${c}`;
const CONFIG: ConfigInput = { attribution: { conversions: [{ name: 'Purchase', events: ['Order Completed'] }] } };
const CAMPAIGNS = [['google', 'cpc', 'brand'], ['newsletter', 'email', 'nov'], ['facebook', 'paid_social', 'retarget']] as const;

/** Paths of two and three channels at hours-to-days apart, some with a direct visit among them (dropped by `direct: 'ignore'`). */
function people(prefix: string, offset: number): unknown[] {
  const e: unknown[] = [];
  for (let i = 0; i < 9; i++) {
    const anon = `${prefix}-a${i}`;
    const d = offset + (i % 3) * 2;
    const [s, m, c] = CAMPAIGNS[i % 3]!;
    const [s2, m2, c2] = CAMPAIGNS[(i + 1) % 3]!;
    e.push({ type: 'page', anonymousId: anon, timestamp: at(d), context: { page: { url: url(s, m, c) } } });
    e.push({ type: 'page', anonymousId: anon, timestamp: at(d + 1 + i, i * 37), context: { page: { url: url(s2, m2, c2) } } });
    if (i % 2 === 0) e.push({ type: 'page', anonymousId: anon, timestamp: at(d + 2 + i, 7), context: { page: { url: 'https://shop.test/' } } });
    e.push({ type: 'track', event: 'Order Completed', anonymousId: anon, properties: { revenue: 12.5 + i }, timestamp: at(d + 3 + i) });
  }
  return e;
}

const HALF_LIVES = [7, 0.25];
const credits = (r: AttributeResponse, model: string) => r.models.find((m) => m.model === model)!.credits;

describe('time decay from pre-aggregated rows (DuckDB)', () => {
  let h: Harness;
  let stored: StoredPaths;
  const config = () => resolveConfig({ dataDir: h.dataDir, ...CONFIG } as Record<string, unknown>, {}, {});
  const run = (req: AttributeRequest, withStore: boolean) =>
    runAttribution(h.warehouse, config(), req, { sessionsFresh: () => h.derived.sessionsFresh(), ...(withStore ? { storedPaths: stored } : {}) });
  beforeAll(async () => {
    h = await startHarness(CONFIG);
    stored = createStoredPaths(h.warehouse);
    await send(people('p', 0));
  });
  afterAll(async () => h?.dispose());

  async function send(batch: unknown[]) {
    const res = await h.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: h.auth }, payload: { batch } });
    expect(res.statusCode).toBe(200);
    await h.loader.flush();
  }

  /** The stored rows for `req`'s half-life against the `PathRows.Decayed` statement run whole now, value for value. */
  async function expectStoredEqualsStatement(req: AttributeRequest): Promise<string> {
    const p = await pathStatements(h.warehouse, config(), req, { sessionsFresh: () => h.derived.sessionsFresh() });
    const decay = decaySettings(engineParams(req, config(), directValueOf(p.level), p.lookbackDays));
    const key = storedStatement(p.statementOf, PathRows.Both);
    const read = await stored.rows(key.statement, key.params, decay);
    const got: unknown[][] = [];
    for await (const chunk of read.rows) for (const r of chunk) got.push(Object.values(r));
    const whole = p.statementOf((b, q) => duckdbPathsSql(b, q, PathRows.Decayed));
    const want = (await h.warehouse.query(whole.sql, { params: { ...whole.params, ...decayParams(decay) } })).rows;
    expect(got.filter((r) => r[0] === 'w').length, JSON.stringify(req)).toBeGreaterThan(1);
    expect(got, JSON.stringify(req)).toEqual(want);
    return read.source.from;
  }

  it('equals the engine over each conversion, and the stored rows equal the computed statement, for two half-lives', async () => {
    const byHalfLife: Record<string, unknown>[] = [];
    for (const halfLifeDays of HALF_LIVES) {
      for (const direct of ['ignore', 'credit'] as const) {
        const params = { halfLifeDays, direct };
        // Alone, time decay reads every conversion's touches and ages (the engine's own weights).
        const engine = credits(await run({ models: ['time_decay'], level: 'channel', params }, false), 'time_decay');
        const req: AttributeRequest = { models: ['last_touch', 'time_decay'], level: 'channel', params };
        const computed = await run(req, false);
        const summed = credits(computed, 'time_decay');
        expect(Object.keys(summed).sort()).toEqual(Object.keys(engine).sort());
        for (const [k, c] of Object.entries(engine)) {
          expect(summed[k]!.conversions, `${halfLifeDays} ${direct} ${k}`).toBeCloseTo(c.conversions, 12);
          expect(summed[k]!.value, `${halfLifeDays} ${direct} ${k}`).toBeCloseTo(c.value, 10);
        }
        if (direct === 'ignore') byHalfLife.push(summed);
        // Stored: computed on the first view, read on the next, the same numbers to the last bit.
        const first = await run(req, true);
        const again = await run(req, true);
        expect(again.paths?.from).toBe('stored');
        expect(credits(first, 'time_decay')).toEqual(summed);
        expect(credits(again, 'time_decay')).toEqual(summed);
        expect(await expectStoredEqualsStatement(req)).toBe('stored');
      }
    }
    // The half-life changes the credit: the rows are not one half-life's served for another.
    expect(byHalfLife[1]).not.toEqual(byHalfLife[0]);
  });

  it('after a load, every stored half-life is brought up to date with the key', async () => {
    await send([...people('q', 3), { type: 'page', anonymousId: 'p-a1', timestamp: at(2, 30), context: { page: { url: url('bing', 'cpc', 'late') } } }]);
    const sources = [];
    for (const halfLifeDays of HALF_LIVES) sources.push(await expectStoredEqualsStatement({ models: ['last_touch', 'time_decay'], level: 'channel', params: { halfLifeDays, direct: 'ignore' } }));
    // One key for both half-lives: the first view brought it (and both half-lives' rows) up to date.
    expect(sources).toEqual(['updated', 'stored']);
  });
});
