/**
 * Sync mappings with constants and lookups: Meta `event_name` = `Purchase` for the warehouse's
 * `Order Completed`, checked against Meta's standard events at config time, sent through the
 * real engine on DuckDB to the Meta stand-in. No expression is evaluated: hostile source values
 * (prototype keys, quotes) are data.
 */
import { startMetaCapiStandIn, type StandIn } from '@touchline/destinations/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMapping, mappedColumns } from '../../src/activation/engine/field-mapping.js';
import { ConfigError } from '../../src/config/config.js';
import { activationConfig, duckWarehouse, FAST_RETRY, testEngine, type TestWarehouse } from './support.js';

const lookup = { column: 'event', values: { 'Order Completed': 'Purchase', 'Signed Up': 'CompleteRegistration' }, default: 'Lead' };

describe('mapping constants and lookups', () => {
  it('applies a constant, a lookup with a default, and plain columns; prototype keys find no entry', () => {
    const mapping = { event_name: lookup, currency: { static: 'EUR' }, event_id: 'id' };
    expect(applyMapping({ id: 'E-1', event: 'Order Completed' }, mapping)).toEqual({ event_name: 'Purchase', currency: 'EUR', event_id: 'E-1' });
    expect(applyMapping({ id: 'E-2', event: 'Something Else' }, mapping)).toMatchObject({ event_name: 'Lead' });
    for (const hostile of ['__proto__', 'constructor', 'toString', "x' OR '1'='1"]) {
      expect(applyMapping({ id: 'E-3', event: hostile }, mapping)).toMatchObject({ event_name: 'Lead' });
    }
    // Without a default the source value goes through as it is; NULL stays NULL.
    const open = { event_name: { column: 'event', values: { 'Order Completed': 'Purchase' } } };
    expect(applyMapping({ event: 'Custom Thing' }, open)).toEqual({ event_name: 'Custom Thing' });
    expect(applyMapping({ event: null }, open)).toEqual({ event_name: null });
    // Only columns are hashed: the constant is not, the lookup hashes its source column.
    const cols = [{ name: 'id', type: 'VARCHAR' }, { name: 'event', type: 'VARCHAR' }] as never;
    expect(mappedColumns(cols, mapping, 'syncs.s').map(([dest, c]) => `${dest}<-${(c as { name: string }).name}`)).toEqual(['event_name<-event', 'event_id<-id']);
    expect(() => mappedColumns(cols, { event_name: { column: 'nope', values: {} } }, 'syncs.s')).toThrow('syncs.s.mapping.event_name: the source has no column "nope"');
  });

  it('a constant that is not one of the destination\'s standard events is a config error naming the key', () => {
    const meta = { meta: { type: 'meta-capi', config: { accessToken: 'test-token', pixelId: '777' } } };
    const sync = (mapping: unknown) => ({ destinations: meta, syncs: { s: { destination: 'meta', source: { sql: 'SELECT 1 AS id' }, primaryKey: 'id', mode: 'insert', mapping } } });
    expect(() => activationConfig(sync({ event_name: { static: 'Purchased' } }))).toThrow(ConfigError);
    expect(() => activationConfig(sync({ event_name: { static: 'Purchased' } }))).toThrow(/syncs\.s\.mapping\.event_name: "Purchased" is not a meta-capi standard event/);
    expect(() => activationConfig(sync({ event_name: { ...lookup, default: 'Leed' } }))).toThrow(/syncs\.s\.mapping\.event_name: "Leed" is not a meta-capi standard event/);
    expect(() => activationConfig({ destinations: meta, forwarding: { rules: { r: { events: ['Order Completed'], destination: 'meta', mapping: { event_name: { static: 'purchase' } } } } } })).toThrow(
      /forwarding\.rules\.r\.mapping\.event_name: "purchase" is not a meta-capi standard event/,
    );
    // A custom event from a column is allowed; so is a standard one as a constant; no code is accepted.
    expect(() => activationConfig(sync({ event_name: 'id' }))).not.toThrow();
    expect(() => activationConfig(sync({ event_name: { static: 'Purchase' } }))).not.toThrow();
    expect(() => activationConfig(sync({ event_name: { expr: 'process.exit(1)' } }))).toThrow(ConfigError);
  });

  describe('through the engine', () => {
    let w: TestWarehouse;
    let meta: StandIn;
    beforeAll(async () => {
      w = await duckWarehouse();
      meta = await startMetaCapiStandIn({ pixelId: '777' });
      await w.exec(`CREATE TABLE orders AS SELECT 'E-' || i AS id, CASE WHEN i % 2 = 0 THEN 'Order Completed' ELSE 'Signed Up' END AS event,
        now() - INTERVAL 1 HOUR AS event_time, 5.0 + i AS value, 'buyer' || i || '@example.com' AS email, 'https://shop.example/thanks' AS url,
        'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0' AS ua, 'granted' AS consent_ad_user_data FROM range(6) r(i)`);
    });
    afterAll(async () => {
      await meta.close();
      await w.dispose();
    });

    it('sends Purchase for Order Completed and CompleteRegistration for Signed Up, with a constant currency', async () => {
      const config = activationConfig({
        destinations: { meta: { type: 'meta-capi', config: { endpoint: meta.url, accessToken: 'test-token', pixelId: '777' } } },
        syncs: {
          orders: {
            destination: 'meta', source: { sql: 'SELECT * FROM orders' }, primaryKey: 'id', mode: 'insert', retry: FAST_RETRY,
            mapping: { event_id: 'id', event_name: lookup, event_time: 'event_time', value: 'value', currency: { static: 'EUR' }, email: 'email',
              event_source_url: 'url', client_user_agent: 'ua', consent_ad_user_data: 'consent_ad_user_data' },
          },
        },
      });
      const e = testEngine(config, w.warehouse);
      expect(await e.run('orders')).toMatchObject({ status: 'succeeded', delivered: 6 });
      const sent = meta.requests.flatMap((r) => (r.body as { data: { event_id: string; event_name: string; custom_data?: { currency?: string } }[] }).data);
      expect(Object.fromEntries(sent.map((d) => [d.event_id, d.event_name]))).toEqual({
        'E-0': 'Purchase', 'E-1': 'CompleteRegistration', 'E-2': 'Purchase', 'E-3': 'CompleteRegistration', 'E-4': 'Purchase', 'E-5': 'CompleteRegistration',
      });
      expect(new Set(sent.map((d) => d.custom_data?.currency))).toEqual(new Set(['EUR']));
      await e.close();
    });
  });
});
