import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { planBatches } from '../contract/batching.js';
import type { Clock, SendContext } from '../contract/context.js';
import { deliver } from '../contract/deliver.js';
import { parseConfig } from '../contract/destination.js';
import type { BatchItem, RowResult } from '../contract/result.js';
import type { Row } from '../contract/row.js';
import { recordingFetch } from '../testing/recording-fetch.js';
import type { StandIn } from '../testing/stand-in-types.js';
import { authCases } from './auth-cases.js';
import { audienceCases, outcomeCases } from './audience-cases.js';
import type { ConformanceHarness } from './harness.js';
import type { SuiteScope } from './suite-scope.js';

/**
 * The one conformance suite every destination runs against its stand-in (STYLE.md "One
 * interface, one conformance suite"). Call it at the top level of a Vitest test file.
 */
export function runDestinationConformance<C, P>(name: string, harness: ConformanceHarness<C, P>): void {
  const { destination: dest } = harness;
  const clock: Clock = { now: () => harness.now };
  let standIn: StandIn<unknown>;
  let config: C;
  const ctx = (over: Partial<SendContext<C>> = {}): SendContext<C> => ({ config, fetch: (u, i) => fetch(u, i), clock, ...over });
  const mapAll = (rows: Row[]): BatchItem<P>[] =>
    rows.map((row, i) => {
      const out = dest.map(row, config, { now: harness.now });
      if (!out.ok) throw new Error(`${name}: sample row ${i} was rejected: ${out.rejection.code} ${out.rejection.reason}`);
      return { ref: i, ...out.item };
    });
  const statuses = (rs: RowResult<P>[]) => rs.map((r) => r.status);
  const scope: SuiteScope<C, P> = { harness, standIn: () => standIn, config: () => config, ctx, mapAll };

  describe(`destination conformance: ${name}`, () => {
    beforeAll(async () => {
      standIn = await harness.startStandIn({ clock });
      config = harness.config(standIn.url);
    });
    afterAll(async () => standIn?.close());
    beforeEach(() => standIn.reset());

    it('has a config schema a UI can render, with the endpoint override', () => {
      const schema = z.toJSONSchema(dest.configSchema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, unknown> };
      expect(Object.keys(schema.properties ?? {})).toContain(dest.capabilities.endpointConfigKey);
      expect(parseConfig(dest, config).ok).toBe(true);
      const bad = parseConfig(dest, { endpoint: 'not a url' });
      expect(bad.ok).toBe(false);
      if (!bad.ok) expect(bad.errors.join('\n')).toMatch(new RegExp(`${dest.name} config endpoint`));
    });

    it('maps sample rows, each with a dedup key', () => {
      const items = mapAll(harness.rows(5));
      for (const item of items) expect(item.dedupKey).toMatch(/\S/);
      expect(new Set(items.map((i) => i.dedupKey)).size).toBe(5);
      expect(() => JSON.stringify(items.map((i) => i.payload))).not.toThrow();
    });

    it('rejects an invalid row by itself and delivers the rest of the batch', async () => {
      const [a, b] = harness.rows(2, 'mixed');
      const results = await deliver(dest, [a!, harness.invalidRow.row, b!], ctx());
      expect(statuses(results)).toEqual(['delivered', 'rejected', 'delivered']);
      expect(results[1]!.field).toBe(harness.invalidRow.field);
      expect(results[1]!.reason).toMatch(/\S/);
      expect(standIn.count(results[0]!.dedupKey!)).toBe(1);
      expect(standIn.count(results[2]!.dedupKey!)).toBe(1);
    });

    it('plans batches within the documented item and byte limits', () => {
      const [one] = mapAll(harness.rows(1, 'plan'));
      const n = dest.batching.maxItems * 2 + 3;
      const items = Array.from({ length: n }, (_, i) => ({ ...one!, ref: i, dedupKey: `k${i}` }));
      const plan = planBatches(items, dest.batching);
      expect(plan.batches.flat().length).toBe(n);
      for (const b of plan.batches) {
        expect(b.length).toBeLessThanOrEqual(dest.batching.maxItems);
        expect(Buffer.byteLength(JSON.stringify(b.map((i) => i.payload)))).toBeLessThanOrEqual(dest.batching.maxBytes);
      }
    });

    it('the stand-in refuses a request over the documented maximum, and no row is delivered', async () => {
      let batch = mapAll(harness.rows(dest.batching.maxItems + 1, 'oversized'));
      if (dest.batching.maxItemsChosen) {
        // The vendor limits bytes only: repeat sample items (own keys) until the body is over it.
        const [one] = batch;
        const each = Buffer.byteLength(JSON.stringify(one!.payload)) + 1;
        const n = Math.ceil(dest.batching.maxBytes / each) + 1;
        batch = Array.from({ length: n }, (_, i) => ({ ...batch[i % batch.length]!, ref: i, dedupKey: `over-${i}` }));
      }
      const results = await dest.send(batch, ctx());
      expect(results).toHaveLength(batch.length);
      expect(results.every((r) => r.status === 'rejected')).toBe(true);
      expect(standIn.accepted).toHaveLength(0);
    });

    it('answers one result per batch item, in batch order, also on a partial failure', async () => {
      const batch = mapAll(harness.rows(4, 'partial'));
      standIn.script({ partial: [1] });
      const results = await dest.send(batch, ctx());
      expect(results.map((r) => r.ref)).toEqual(batch.map((i) => i.ref));
      expect(results.map((r) => r.dedupKey)).toEqual(batch.map((i) => i.dedupKey));
      expect(results[1]!.status).toBe('rejected');
      if (dest.capabilities.atomicBatches) {
        expect(results.some((r) => r.status === 'delivered')).toBe(false);
        expect(standIn.accepted).toHaveLength(0);
      } else {
        expect(statuses(results)).toEqual(['delivered', 'rejected', 'delivered', 'delivered']);
        expect(standIn.count(batch[1]!.dedupKey)).toBe(0);
      }
    });

    it('classifies 429 with Retry-After as rate-limited, with the wait', async () => {
      standIn.script({ status: 429, headers: { 'retry-after': '7' } });
      const results = await deliver(dest, harness.rows(2, 'r429'), ctx());
      expect(statuses(results)).toEqual(['rate_limited', 'rate_limited']);
      expect(results[0]!.retryAfterMs).toBe(7000);
    });

    it('classifies 500 and 503 as retryable', async () => {
      standIn.script({ status: 500 }, { status: 503 });
      expect(statuses(await deliver(dest, harness.rows(1, 'r500'), ctx()))).toEqual(['retryable']);
      expect(statuses(await deliver(dest, harness.rows(1, 'r503'), ctx()))).toEqual(['retryable']);
    });

    it('classifies a 4xx validation answer as permanent', async () => {
      standIn.script({ status: 400 });
      const results = await deliver(dest, harness.rows(1, 'r400'), ctx());
      expect(statuses(results)).toEqual(['rejected']);
      expect(results[0]!.retryAfterMs).toBeUndefined();
    });

    it("answers the stand-in's own rate limit as rate-limited, never as delivered", async () => {
      standIn.setRateLimit({ requests: 1, windowMs: 60_000 });
      try {
        expect(statuses(await deliver(dest, harness.rows(1, 'rl1'), ctx()))).toEqual(['delivered']);
        expect(statuses(await deliver(dest, harness.rows(1, 'rl2'), ctx()))).toEqual(['rate_limited']);
      } finally {
        standIn.setRateLimit(null);
      }
    });

    it('treats refused credentials as permanent', async () => {
      const wrong = harness.wrongCredentials ? harness.wrongCredentials(config) : ({ ...config, accessToken: 'wrong-token' } as C);
      const results = await deliver(dest, harness.rows(1, 'auth'), ctx({ config: wrong }));
      expect(statuses(results)).toEqual(['rejected']);
      expect(standIn.accepted).toHaveLength(0);
    });

    it('treats a request that got no answer as retryable', async () => {
      const down = () => Promise.reject(new Error('connect ECONNREFUSED'));
      const results = await deliver(dest, harness.rows(1, 'net'), ctx({ fetch: down }));
      expect(results[0]).toMatchObject({ status: 'retryable', code: 'NETWORK' });
    });

    it('sends every request to the configured endpoint', async () => {
      const rec = recordingFetch();
      await deliver(dest, harness.rows(3, 'endpoint'), ctx({ fetch: rec.fetch }));
      // One request per planned batch.
      expect(rec.calls.length).toBe(planBatches(mapAll(harness.rows(3, 'endpoint')), dest.batching).batches.length);
      for (const call of rec.calls) expect(call.url.startsWith(standIn.url)).toBe(true);
      expect(standIn.requests).toHaveLength(rec.calls.length);
    });

    it("test mode sends the vendor's test request and nothing is counted", async () => {
      const tm = dest.capabilities.testMode;
      if (tm.kind === 'none') {
        expect(tm.note).toMatch(/\S/);
        return;
      }
      const rows = harness.rows(2, 'testmode');
      const results = await deliver(dest, rows, ctx({ config: tm.enable(config, 'TEST123') }));
      expect(statuses(results)).toEqual(['delivered', 'delivered']);
      expect(standIn.testItems).toHaveLength(2);
      expect(standIn.accepted).toHaveLength(0);
      const body = standIn.requests[0]!.body as Record<string, unknown>;
      if (tm.kind === 'validate_only') expect(body['validateOnly']).toBe(true);
      else expect(body['test_event_code']).toBe('TEST123');
    });

    it('applies the consent guard to ad networks only', async () => {
      const [row] = harness.rows(1, 'consent');
      const variants: Row[] = [
        { ...row, consent_ad_user_data: undefined },
        { ...row, consent_ad_user_data: false },
        { ...row, consent_ad_user_data: 'denied' },
        { ...row, gpc: true },
      ];
      const results = await deliver(dest, variants, ctx());
      if (dest.capabilities.adNetwork) {
        expect(statuses(results)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
        expect(results.map((r) => r.code)).toEqual(['CONSENT_MISSING', 'CONSENT_DENIED', 'CONSENT_DENIED', 'GPC_OPT_OUT']);
        expect(standIn.requests).toHaveLength(0);
      } else {
        const alone = await deliver(dest, [variants[0]!], ctx());
        expect(statuses(alone)).toEqual(['delivered']);
      }
    });

    it('a resent batch is delivered again and counted once', async () => {
      const rows = harness.rows(3, 'resend');
      const first = await deliver(dest, rows, ctx());
      const second = await deliver(dest, rows, ctx());
      expect(statuses(first)).toEqual(['delivered', 'delivered', 'delivered']);
      expect(statuses(second)).toEqual(['delivered', 'delivered', 'delivered']);
      for (const r of first) {
        expect(standIn.count(r.dedupKey!)).toBe(1);
        expect(standIn.received(r.dedupKey!)).toBe(2);
      }
    });

    it('injected random faults are deterministic and classified', async () => {
      // One request per row, so the stand-in draws once per row; the same seed twice must give
      // the same faults in the same places (rate 0.5: some rows fail and some go, by the seed).
      const pass = async (tag: string) => {
        standIn.fail({ rate: 0.5, statuses: [500, 503], seed: 7 });
        const out: string[] = [];
        for (const row of harness.rows(10, tag)) {
          const [r] = await deliver(dest, [row], ctx());
          out.push(`${r!.status} ${r!.answer?.httpStatus ?? 'no answer'}`);
        }
        return out;
      };
      const first = await pass('faults-a');
      expect(await pass('faults-b')).toEqual(first);
      const faults = first.filter((x) => !x.startsWith('delivered '));
      expect(faults.length).toBeGreaterThanOrEqual(1);
      expect(faults.length).toBeLessThanOrEqual(9);
      for (const f of faults) expect(['retryable 500', 'retryable 503']).toContain(f);
      standIn.fail({ rate: 0, statuses: [] });
      expect(statuses(await deliver(dest, harness.rows(1, 'nofault'), ctx()))).toEqual(['delivered']);
    });

    authCases(scope);
    audienceCases(scope);
    outcomeCases(scope);

    it('results keep the caller refs and input order through deliver', async () => {
      const rows = [...harness.rows(2, 'refs'), harness.invalidRow.row];
      const refs = ['row-a', 'row-b', 'row-c'];
      const results = await deliver(dest, rows, ctx(), { refs });
      expect(results.map((r) => r.ref)).toEqual(refs);
      // What was sent for a row is its mapped payload; the answer is the one the vendor gave.
      expect(results[0]!.sent).toEqual(mapAll([rows[0]!])[0]!.payload);
      expect(results[0]!.answer?.httpStatus).toBe(standIn.requests[standIn.requests.length - 1]!.status);
    });
  });
}
