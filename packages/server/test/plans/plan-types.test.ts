/**
 * `touchline plan types`: the generated module compiled with the real TypeScript compiler against
 * the real @touchline/tracker and @segment/analytics-node types. Good calls compile; each bad call
 * (unplanned name, missing required property, wrong type, value outside an enum, misspelt key in
 * a closed schema) fails to compile, on its own line.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { planFromData } from '../../src/plans/load-plan.js';
import { functionName, generatePlanTypes } from '../../src/plans/plan-typegen.js';
import { shopPlanYaml } from './plan-fixture.js';

const CLOSED = `  Coupon Applied:
    description: "A coupon */ with a comment closer"
    owner: growth
    properties:
      additionalProperties: false
      required: [code]
      properties:
        code: { type: string }
        "discount-pct": { type: integer, minimum: 0, maximum: 100 }
`;

const GOOD = `import { createTracker } from '@touchline/tracker';
import { Analytics } from '@segment/analytics-node';
import { planned, orderCompleted, couponApplied, signedUp } from './tracking-plan.js';
declare const env: Parameters<typeof createTracker>[1];
const touchline = planned(createTracker({ writeKey: 'wk', endpoint: 'https://c.test' } as Parameters<typeof createTracker>[0], env));
touchline.track('Order Completed', { order_id: 'ord_1', revenue: 10, currency: 'EUR' });
touchline.track('Order Completed', { order_id: 'ord_1', revenue: 10, extra_key: true }, { context: { ip: '1.2.3.4' } });
touchline.track('Signed Up');
touchline.track('Coupon Applied', { code: 'X', 'discount-pct': 5 });
touchline.identify('u1', { email: 'a@b.test' });
touchline.page('Home');
const analytics = new Analytics({ writeKey: 'wk' });
orderCompleted(analytics, { userId: 'u1', properties: { order_id: 'ord_1', revenue: 3 } });
couponApplied(analytics, { anonymousId: 'a1', properties: { code: 'Y' } });
signedUp(analytics, { userId: 'u1', properties: { plan: 'pro' } });
`;

const BAD: Record<string, string> = {
  unplanned_event: `touchline.track('Order Complete', { order_id: 'o', revenue: 1 });`,
  missing_required: `touchline.track('Order Completed', { order_id: 'o' });`,
  missing_properties: `touchline.track('Order Completed');`,
  wrong_type: `touchline.track('Order Completed', { order_id: 'o', revenue: '10' });`,
  outside_enum: `touchline.track('Order Completed', { order_id: 'o', revenue: 1, currency: 'GBP' });`,
  closed_schema_extra_key: `touchline.track('Coupon Applied', { code: 'X', discount: 5 });`,
  node_sdk_missing_required: `orderCompleted(analytics, { userId: 'u', properties: { order_id: 'o' } });`,
  node_sdk_no_user: `orderCompleted(analytics, { properties: { order_id: 'o', revenue: 1 } });`,
  identify_wrong_trait: `touchline.identify('u', { email: 42 });`,
};

let dir: string;
let diagnostics: Map<string, readonly ts.Diagnostic[]>;

beforeAll(async () => {
  // Inside the package, so the compiler resolves the real packages from its node_modules.
  dir = await mkdtemp(join(resolve(import.meta.dirname, '../..'), '.plan-types-'));
  const doc = planFromData(parse(shopPlanYaml('3.1.0', CLOSED)), 'test plan');
  await writeFile(join(dir, 'tracking-plan.ts'), generatePlanTypes(doc));
  const prelude = GOOD.split('\n').slice(0, 12).join('\n');
  const files = { good: GOOD, ...Object.fromEntries(Object.entries(BAD).map(([k, call]) => [k, `${prelude}\n${call}\n`])) };
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, `${name}.ts`), text);
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true, exactOptionalPropertyTypes: true, noEmit: true, skipLibCheck: true, lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'], types: [],
  };
  const program = ts.createProgram(Object.keys(files).map((n) => join(dir, `${n}.ts`)).concat(join(dir, 'tracking-plan.ts')), options);
  diagnostics = new Map(
    ['tracking-plan', ...Object.keys(files)].map((n) => {
      const sf = program.getSourceFile(join(dir, `${n}.ts`))!;
      return [n, [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]];
    }),
  );
}, 120_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const text = (ds: readonly ts.Diagnostic[] | undefined) => (ds ?? []).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('\n');

describe('generated plan types', () => {
  it('the generated module and the good calls compile', () => {
    expect(text(diagnostics.get('tracking-plan'))).toBe('');
    expect(text(diagnostics.get('good'))).toBe('');
  });

  for (const name of Object.keys(BAD)) {
    it(`a bad call fails to compile: ${name}`, () => {
      const ds = diagnostics.get(name) ?? [];
      expect(ds.length, `${name} compiled`).toBeGreaterThan(0);
      // The error is on the bad call (the last line), not in the shared prelude.
      const lines = ds.map((d) => d.file!.getLineAndCharacterOfPosition(d.start!).line);
      expect(Math.min(...lines)).toBe(12);
    });
  }

  it('names a function for any event name', () => {
    expect(functionName('Order Completed')).toBe('orderCompleted');
    expect(functionName('3D Model Viewed')).toBe('_3DModelViewed');
    expect(functionName('checkout.step-2')).toBe('checkoutStep2');
  });
});
