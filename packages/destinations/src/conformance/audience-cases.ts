import { expect, it } from 'vitest';
import { deliver } from '../contract/deliver.js';
import type { SuiteScope } from './suite-scope.js';

/** Customer lists: members join and leave by the row's op, in order, consent or not on the way out. */
export function audienceCases<C, P>(s: SuiteScope<C, P>): void {
  const dest = s.harness.destination;
  if (!dest.capabilities.audience) return;

  it('audience: adds members, removes them by op, and the list follows', async () => {
    const members = () => s.standIn().members!();
    const rows = s.harness.rows(3, 'aud');
    const added = await deliver(dest, rows, s.ctx());
    expect(added.map((r) => r.status)).toEqual(['delivered', 'delivered', 'delivered']);
    for (const r of added) expect(members().has(r.dedupKey!)).toBe(true);
    const removed = await deliver(dest, [rows[1]!], s.ctx(), { ops: ['remove'] });
    expect(removed[0]).toMatchObject({ status: 'delivered', dedupKey: added[1]!.dedupKey });
    expect(members().has(added[1]!.dedupKey!)).toBe(false);
    expect(members().has(added[0]!.dedupKey!)).toBe(true);
  });

  it('audience: a person whose consent is gone is still removed, never added', async () => {
    const [row] = s.harness.rows(1, 'aud-consent');
    const added = await deliver(dest, [row!], s.ctx());
    const gone = { ...row!, consent_ad_user_data: 'denied', gpc: true };
    expect((await deliver(dest, [gone], s.ctx()))[0]).toMatchObject({ status: 'rejected', code: 'GPC_OPT_OUT' });
    const removed = await deliver(dest, [gone], s.ctx(), { ops: ['remove'] });
    expect(removed[0]!.status).toBe('delivered');
    expect(s.standIn().members!().has(added[0]!.dedupKey!)).toBe(false);
  });

  it('audience: an add and a remove of one person in one delivery reach the vendor in that order', async () => {
    const [row] = s.harness.rows(1, 'aud-order');
    const results = await deliver(dest, [row!, row!], s.ctx(), { ops: ['add', 'remove'] });
    expect(results.map((r) => r.status)).toEqual(['delivered', 'delivered']);
    expect(s.standIn().requests).toHaveLength(2);
    expect(s.standIn().members!().has(results[0]!.dedupKey!)).toBe(false);
    const again = await deliver(dest, [row!, row!], s.ctx(), { ops: ['remove', 'add'] });
    expect(again.map((r) => r.status)).toEqual(['delivered', 'delivered']);
    expect(s.standIn().members!().has(results[0]!.dedupKey!)).toBe(true);
  });
}

/** Vendors that decide later: delivered rows carry a receipt, and collect answers for each. */
export function outcomeCases<C, P>(s: SuiteScope<C, P>): void {
  const outcomes = s.harness.destination.outcomes;
  if (!outcomes) return;

  it('asynchronous outcomes: delivered rows carry a receipt; collect answers one verdict per pending row, in order', async () => {
    const results = await deliver(s.harness.destination, s.harness.rows(3, 'late'), s.ctx());
    expect(results.map((r) => r.status)).toEqual(['delivered', 'delivered', 'delivered']);
    for (const r of results) expect(r.receipt?.requestId).toMatch(/\S/);
    expect(results[0]!.receipt).toEqual(results[2]!.receipt);
    const pending = results.map((r) => ({ ref: r.ref, receipt: r.receipt! }));
    const verdicts = await outcomes.collect(pending, s.ctx());
    expect(verdicts.map((v) => v.ref)).toEqual(pending.map((p) => p.ref));
    for (const v of verdicts) expect(['delivered', 'rejected', 'pending']).toContain(v.status);
    expect(outcomes.firstCheckAfterMs).toBeGreaterThan(0);
    expect(outcomes.giveUpAfterMs).toBeGreaterThan(outcomes.firstCheckAfterMs);
  });
}
