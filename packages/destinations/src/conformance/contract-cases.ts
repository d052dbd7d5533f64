import { expect, it } from 'vitest';
import { z } from 'zod';
import { planBatches } from '../contract/batching.js';
import { deliver } from '../contract/deliver.js';
import { parseConfig } from '../contract/destination.js';
import { statuses, type SuiteScope } from './suite-scope.js';

/** The contract itself: a config schema, sample rows mapped, a bad row alone refused. */
export function contractCases<C, P>(s: SuiteScope<C, P>): void {
  const { harness, ctx, mapAll } = s;
  const dest = harness.destination;
  it('has a config schema a UI can render, with the endpoint override', () => {
    const schema = z.toJSONSchema(dest.configSchema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, unknown> };
    expect(Object.keys(schema.properties ?? {})).toContain(dest.capabilities.endpointConfigKey);
    expect(parseConfig(dest, s.config()).ok).toBe(true);
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
    expect(s.standIn().count(results[0]!.dedupKey!)).toBe(1);
    expect(s.standIn().count(results[2]!.dedupKey!)).toBe(1);
  });
}

/** Batches: planned within the vendor's limits, an oversized one refused, a partial failure per row. */
export function batchCases<C, P>(s: SuiteScope<C, P>): void {
  const { harness, ctx, mapAll } = s;
  const dest = harness.destination;
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
    expect(s.standIn().accepted).toHaveLength(0);
  });

  it('answers one result per batch item, in batch order, also on a partial failure', async () => {
    const batch = mapAll(harness.rows(4, 'partial'));
    s.standIn().script({ partial: [1] });
    const results = await dest.send(batch, ctx());
    expect(results.map((r) => r.ref)).toEqual(batch.map((i) => i.ref));
    expect(results.map((r) => r.dedupKey)).toEqual(batch.map((i) => i.dedupKey));
    expect(results[1]!.status).toBe('rejected');
    if (dest.capabilities.atomicBatches) {
      expect(results.some((r) => r.status === 'delivered')).toBe(false);
      expect(s.standIn().accepted).toHaveLength(0);
    } else {
      expect(statuses(results)).toEqual(['delivered', 'rejected', 'delivered', 'delivered']);
      expect(s.standIn().count(batch[1]!.dedupKey)).toBe(0);
    }
  });
}
