import { afterAll, beforeAll, beforeEach, describe } from 'vitest';
import type { Clock, SendContext } from '../contract/context.js';
import type { BatchItem } from '../contract/result.js';
import type { Row } from '../contract/row.js';
import type { StandIn } from '../testing/stand-in-types.js';
import { authCases } from './auth-cases.js';
import { audienceCases, outcomeCases } from './audience-cases.js';
import { classifyCases } from './classify-cases.js';
import { batchCases, contractCases } from './contract-cases.js';
import { resendCases, resultOrderCases, routingCases } from './delivery-cases.js';
import type { ConformanceHarness } from './harness.js';
import type { SuiteScope } from './suite-scope.js';

/**
 * The one conformance suite every destination runs against its stand-in (STYLE.md "One
 * interface, one conformance suite"). Call it at the top level of a Vitest test file. The cases
 * are grouped by what they attack (contract, batches, classification, routing, resends, auth,
 * audiences, order); every group shares one running stand-in, reset before each case.
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
  const scope: SuiteScope<C, P> = { harness, standIn: () => standIn, config: () => config, ctx, mapAll };

  describe(`destination conformance: ${name}`, () => {
    beforeAll(async () => {
      standIn = await harness.startStandIn({ clock });
      config = harness.config(standIn.url);
    });
    afterAll(async () => standIn?.close());
    beforeEach(() => standIn.reset());
    contractCases(scope);
    batchCases(scope);
    classifyCases(scope);
    routingCases(scope);
    resendCases(scope);
    authCases(scope);
    audienceCases(scope);
    outcomeCases(scope);
    resultOrderCases(scope);
  });
}
