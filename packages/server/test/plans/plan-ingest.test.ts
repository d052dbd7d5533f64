/**
 * The tracking plan at the collector, end to end on DuckDB: each mode on single events and
 * batches, what is stored and what is quarantined, and the plan's version on every judged row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePlan } from '../../src/plans/compile-plan.js';
import { planFromData } from '../../src/plans/load-plan.js';
import { startHarness, type Harness } from '../support/harness.js';
import { shopPlanYaml, writePlan } from './plan-fixture.js';

/** An event with nested schemas: an array of products (`products[]`) and an object. */
const CART = `  Cart Updated:
    description: The cart changed
    owner: growth@shop.test
    properties:
      properties:
        products:
          type: array
          items:
            type: object
            properties:
              product_id: { type: string }
              price: { type: number }
        shipping:
          type: object
          properties:
            method: { type: string }
        extras: { type: object }
`;

let h: Harness;
let planFile: string;
const json = { 'content-type': 'application/json' };
const authOf = (writeKey: string) => 'Basic ' + Buffer.from(writeKey + ':').toString('base64');
const keys: Record<string, string> = {};
const post = (url: string, payload: unknown, source = 'default') =>
  h.app.inject({ method: 'POST', url, headers: { authorization: source === 'default' ? h.auth : keys[source]!, ...json }, payload: JSON.stringify(payload) });

const order = (id: string, props: Record<string, unknown>) => ({ type: 'track', anonymousId: 'a-1', messageId: id, event: 'Order Completed', properties: props });
const violationsOf = async (table: string, id: string) => {
  const [row] = await h.sql(`select plan_version, plan_violations from ${table} where message_id = '${id}'`);
  return row === undefined ? undefined : { version: row['plan_version'], violations: row['plan_violations'] === null ? null : JSON.parse(String(row['plan_violations'])) };
};

beforeAll(async () => {
  planFile = await writePlan(shopPlanYaml('1.0.0', CART));
  h = await startHarness({
    plans: {
      path: planFile,
      default: { mode: 'allow' },
      sources: {
        strict: { mode: 'block', unplannedEvents: 'block', unplannedProperties: 'block' },
        tidy: { mode: 'allow', unplannedProperties: 'drop' },
        legacy: { mode: 'off' },
      },
    },
  });
  for (const name of ['strict', 'tidy', 'legacy']) keys[name] = authOf((await h.sources.create(name)).writeKey);
});
afterAll(async () => {
  await h.dispose();
});

describe('allow: stored, each violation recorded', () => {
  it('stores a conforming event with the plan version and no violations', async () => {
    expect((await post('/v1/track', order('ok-1', { order_id: 'ord_1', revenue: 10, currency: 'EUR' }))).statusCode).toBe(200);
    expect(await violationsOf('events', 'ok-1')).toEqual({ version: '1.0.0', violations: null });
  });

  it('stores a violating event and records every violation with its pointer, never the value', async () => {
    const res = await post('/v1/track', order('bad-1', { order_id: 'x-secret@mail.test', revenue: -5, currency: 'GBP', 'a/b~c': 1 }));
    expect(res.statusCode).toBe(200);
    const v = await violationsOf('events', 'bad-1');
    expect(v?.version).toBe('1.0.0');
    const found = (v?.violations as { kind: string; path: string; action: string; message: string }[]).map((x) => `${x.kind} ${x.path} ${x.action}`).sort();
    expect(found).toEqual([
      'enum /properties/currency recorded',
      'naming /properties/a~1b~0c recorded',
      'pattern /properties/order_id recorded',
      'range /properties/revenue recorded',
      'unplanned_property /properties/a~1b~0c recorded',
    ]);
    expect(JSON.stringify(v?.violations)).not.toContain('secret@mail.test');
  });

  it('records a missing required property and a wrong type', async () => {
    await post('/v1/track', order('bad-2', { revenue: '12' }));
    const kinds = ((await violationsOf('events', 'bad-2'))?.violations as { kind: string; path: string; message: string }[]).map((x) => [x.kind, x.path]);
    expect(kinds).toEqual(expect.arrayContaining([['required_missing', '/properties/order_id'], ['type_mismatch', '/properties/revenue']]));
  });

  it('records an unplanned event, and its name against the naming rule', async () => {
    await post('/v1/track', { anonymousId: 'a', messageId: 'unplanned-1', event: 'order_completed' });
    expect((await violationsOf('events', 'unplanned-1'))?.violations).toEqual([
      { kind: 'unplanned_event', path: '/event', message: '"order_completed" is not in the plan', action: 'recorded' },
      { kind: 'naming', path: '/event', message: 'does not follow naming.events (Object Action)', action: 'recorded' },
    ]);
  });

  it('judges identify traits; leaves page calls unjudged', async () => {
    await post('/v1/identify', { userId: 'u', messageId: 'id-1', traits: { email: 'x'.repeat(300) } });
    expect((await violationsOf('events', 'id-1'))?.violations).toEqual([expect.objectContaining({ kind: 'range', path: '/traits/email' })]);
    await post('/v1/page', { anonymousId: 'a', messageId: 'page-1', name: 'Home' });
    expect(await violationsOf('events', 'page-1')).toEqual({ version: null, violations: null });
  });
});

describe('block: quarantined in failed_events with each violation', () => {
  it('refuses a single violating event with 400 naming the violation, and quarantines it', async () => {
    const res = await post('/v1/track', order('strict-bad', { order_id: 'nope', revenue: 1 }), 'strict');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ success: false, quarantined: true, field: '/properties/order_id' });
    expect(res.json().message).toMatch(/^tracking plan shop 1.0.0: pattern at \/properties\/order_id/);
    expect(await violationsOf('events', 'strict-bad')).toBeUndefined();
    expect(await violationsOf('failed_events', 'strict-bad')).toEqual({ version: '1.0.0', violations: [expect.objectContaining({ kind: 'pattern', action: 'blocked' })] });
  });

  it('one bad event in a batch: the rest are kept', async () => {
    const res = await post(
      '/v1/batch',
      { batch: [order('b-1', { order_id: 'ord_1', revenue: 1 }), order('b-2', { order_id: 'ord_2' }), { type: 'track', anonymousId: 'a', messageId: 'b-3', event: 'Signed Up', properties: { plan: 'pro' } }] },
      'strict',
    );
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ accepted: 2, rejected: [{ index: 1, field: '/properties/revenue' }] });
    expect((await h.sql(`select message_id from events where message_id like 'b-%' order by 1`)).map((r) => r['message_id'])).toEqual(['b-1', 'b-3']);
    const [failed] = await h.sql(`select batch_index, raw from failed_events where message_id = 'b-2'`);
    expect(failed?.['batch_index']).toBe(1);
    expect(JSON.parse(String(failed?.['raw']))).toEqual(order('b-2', { order_id: 'ord_2' }));
  });

  it('blocks unplanned events and unplanned properties when those modes say block', async () => {
    expect((await post('/v1/track', { anonymousId: 'a', messageId: 'strict-unplanned', event: 'Cart Viewed' }, 'strict')).statusCode).toBe(400);
    expect((await post('/v1/track', order('strict-extra', { order_id: 'ord_1', revenue: 1, coupon: 'X' }), 'strict')).statusCode).toBe(400);
    const rows = await h.sql(`select message_id, field from failed_events where message_id in ('strict-unplanned', 'strict-extra') order by 1`);
    expect(rows).toEqual([
      { message_id: 'strict-extra', field: '/properties/coupon' },
      { message_id: 'strict-unplanned', field: '/event' },
    ]);
  });
});

describe('drop and off', () => {
  it('drops an unplanned property, records that it did, and keeps the rest', async () => {
    expect((await post('/v1/track', order('tidy-1', { order_id: 'ord_1', revenue: 3, coupon: 'SPRING' }), 'tidy')).statusCode).toBe(200);
    const [row] = await h.sql(`select properties from events where message_id = 'tidy-1'`);
    expect(JSON.parse(String(row?.['properties']))).toEqual({ order_id: 'ord_1', revenue: 3 });
    expect((await violationsOf('events', 'tidy-1'))?.violations).toEqual([{ kind: 'unplanned_property', path: '/properties/coupon', message: '"coupon" is not in the plan\'s schema', action: 'dropped' }]);
  });

  it('drops an unplanned trait where it was sent, in RudderStack\'s context.traits too', async () => {
    await post('/v1/identify', { userId: 'u', messageId: 'tidy-id', context: { traits: { email: 'a@b.test', ssn: '123-45-6789' } } }, 'tidy');
    const [row] = await h.sql(`select traits, context from events where message_id = 'tidy-id'`);
    expect(JSON.parse(String(row?.['traits']))).toEqual({ email: 'a@b.test' });
    expect(String(row?.['context'] ?? '')).not.toContain('123-45-6789');
  });

  it('a source in off mode is not judged at all', async () => {
    expect((await post('/v1/track', order('legacy-1', { revenue: 'lots' }), 'legacy')).statusCode).toBe(200);
    expect(await violationsOf('events', 'legacy-1')).toEqual({ version: null, violations: null });
  });
});

describe('nested keys: properties.products[].product_id, not context', () => {
  const cart = (id: string, props: Record<string, unknown>) => ({ type: 'track', anonymousId: 'a-1', messageId: id, event: 'Cart Updated', properties: props, context: { userAgent: 'x', someVendorKey: { deepKey: 1 } } });
  const extraProducts = [{ product_id: 'p1', price: 1 }, { product_id: 'p2', Price: 2, sku: 'x' }, { product_id: 'p3', sku: 'y' }];

  it('allow: a single event records each nested unplanned key once, with its naming, and leaves context and free-form objects alone', async () => {
    const res = await post('/v1/track', cart('nest-1', { products: extraProducts, shipping: { method: 'ups', giftWrap: true }, extras: { anyKey: 1 } }));
    expect(res.statusCode).toBe(200);
    const found = (await violationsOf('events', 'nest-1'))?.violations as { kind: string; path: string; message: string }[];
    expect(found.map((v) => `${v.kind} ${v.path} ${v.message}`)).toEqual([
      'unplanned_property /properties/products/1/Price "products[].Price" is not in the plan\'s schema',
      'naming /properties/products/1/Price does not follow naming.properties (snake_case)',
      'unplanned_property /properties/products/1/sku "products[].sku" is not in the plan\'s schema',
      'unplanned_property /properties/shipping/giftWrap "shipping.giftWrap" is not in the plan\'s schema',
      'naming /properties/shipping/giftWrap does not follow naming.properties (snake_case)',
    ]);
  });

  it('block: in a batch, the event with a nested unplanned key is quarantined and the rest kept', async () => {
    const res = await post('/v1/batch', { batch: [cart('nest-b1', { products: [{ product_id: 'p1' }] }), cart('nest-b2', { products: [{ product_id: 'p1' }, { product_id: 'p2', sku: 'z' }] })] }, 'strict');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ accepted: 1, rejected: [{ index: 1, field: '/properties/products/1/sku' }] });
    expect((await h.sql(`select message_id from events where message_id like 'nest-b%'`)).map((r) => r['message_id'])).toEqual(['nest-b1']);
    const single = await post('/v1/track', cart('nest-s1', { shipping: { method: 'ups', gift_wrap: true } }), 'strict');
    expect(single.statusCode).toBe(400);
    expect(single.body).toContain('/properties/shipping/gift_wrap');
  });

  it('drop: nested unplanned keys are dropped where they are, in a batch and alone', async () => {
    const res = await post('/v1/batch', { batch: [cart('nest-d1', { products: extraProducts, shipping: { method: 'dhl', giftWrap: false } }), cart('nest-d2', { products: [] })] }, 'tidy');
    expect(res.json()).toMatchObject({ accepted: 2 });
    const [row] = await h.sql(`select properties from events where message_id = 'nest-d1'`);
    expect(JSON.parse(String(row?.['properties']))).toEqual({ products: [{ product_id: 'p1', price: 1 }, { product_id: 'p2' }, { product_id: 'p3' }], shipping: { method: 'dhl' } });
    expect((await violationsOf('events', 'nest-d2'))?.violations ?? []).toEqual([]);
  });

  it('a plan whose nested key breaks its own naming rule is refused, naming the path', () => {
    const doc = planFromData({
      version: '1', name: 'shop', naming: { events: 'Object Action', properties: 'snake_case' },
      events: { 'Cart Updated': { description: 'd', owner: 'o@shop.test', properties: { properties: { products: { type: 'array', items: { type: 'object', properties: { productId: { type: 'string' } } } } } } } },
    }, 'test');
    expect(() => compilePlan(doc)).toThrow(/events\["Cart Updated"\]: properties\.products\[\]\.productId: the name does not follow naming\.properties \(snake_case\)/);
  });
});
