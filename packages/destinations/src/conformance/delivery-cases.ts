import { expect, it } from 'vitest';
import { planBatches } from '../contract/batching.js';
import { deliver } from '../contract/deliver.js';
import type { Row } from '../contract/row.js';
import { recordingFetch } from '../testing/recording-fetch.js';
import { statuses, type SuiteScope } from './suite-scope.js';

/** Where and how rows go: the configured endpoint, the vendor's test mode, the consent guard. */
export function routingCases<C, P>(s: SuiteScope<C, P>): void {
  const { harness, ctx, mapAll } = s;
  const dest = harness.destination;
  it('sends every request to the configured endpoint', async () => {
    const rec = recordingFetch();
    await deliver(dest, harness.rows(3, 'endpoint'), ctx({ fetch: rec.fetch }));
    // One request per planned batch.
    expect(rec.calls.length).toBe(planBatches(mapAll(harness.rows(3, 'endpoint')), dest.batching).batches.length);
    for (const call of rec.calls) expect(call.url.startsWith(s.standIn().url)).toBe(true);
    expect(s.standIn().requests).toHaveLength(rec.calls.length);
  });

  it("test mode sends the vendor's test request and nothing is counted", async () => {
    const tm = dest.capabilities.testMode;
    if (tm.kind === 'none') {
      expect(tm.note).toMatch(/\S/);
      return;
    }
    const rows = harness.rows(2, 'testmode');
    const results = await deliver(dest, rows, ctx({ config: tm.enable(s.config(), 'TEST123') }));
    expect(statuses(results)).toEqual(['delivered', 'delivered']);
    expect(s.standIn().testItems).toHaveLength(2);
    expect(s.standIn().accepted).toHaveLength(0);
    const body = s.standIn().requests[0]!.body as Record<string, unknown>;
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
      expect(s.standIn().requests).toHaveLength(0);
    } else {
      const alone = await deliver(dest, [variants[0]!], ctx());
      expect(statuses(alone)).toEqual(['delivered']);
    }
  });
}

/** Resends and injected faults: counted once, and the same seed gives the same faults. */
export function resendCases<C, P>(s: SuiteScope<C, P>): void {
  const { harness, ctx } = s;
  const dest = harness.destination;
  it('a resent batch is delivered again and counted once', async () => {
    const rows = harness.rows(3, 'resend');
    const first = await deliver(dest, rows, ctx());
    const second = await deliver(dest, rows, ctx());
    expect(statuses(first)).toEqual(['delivered', 'delivered', 'delivered']);
    expect(statuses(second)).toEqual(['delivered', 'delivered', 'delivered']);
    for (const r of first) {
      expect(s.standIn().count(r.dedupKey!)).toBe(1);
      expect(s.standIn().received(r.dedupKey!)).toBe(2);
    }
  });

  it('injected random faults are deterministic and classified', async () => {
    // One request per row, so the stand-in draws once per row; the same seed twice must give
    // the same faults in the same places (rate 0.5: some rows fail and some go, by the seed).
    const pass = async (tag: string) => {
      s.standIn().fail({ rate: 0.5, statuses: [500, 503], seed: 7 });
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
    s.standIn().fail({ rate: 0, statuses: [] });
    expect(statuses(await deliver(dest, harness.rows(1, 'nofault'), ctx()))).toEqual(['delivered']);
  });
}

/** Results keep the caller's refs and order, with what was sent and what the vendor answered. */
export function resultOrderCases<C, P>(s: SuiteScope<C, P>): void {
  const { harness, ctx, mapAll } = s;
  const dest = harness.destination;
  it('results keep the caller refs and input order through deliver', async () => {
    const rows = [...harness.rows(2, 'refs'), harness.invalidRow.row];
    const refs = ['row-a', 'row-b', 'row-c'];
    const results = await deliver(dest, rows, ctx(), { refs });
    expect(results.map((r) => r.ref)).toEqual(refs);
    // What was sent for a row is its mapped payload; the answer is the one the vendor gave.
    expect(results[0]!.sent).toEqual(mapAll([rows[0]!])[0]!.payload);
    expect(results[0]!.answer?.httpStatus).toBe(s.standIn().requests[s.standIn().requests.length - 1]!.status);
  });
}
