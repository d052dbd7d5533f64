/**
 * The campaign taxonomy: UTM values normalised and aliased on read on both engines (raw values
 * kept), feeding source / medium / channel; the TypeScript and SQL normalisations agreeing on
 * hostile strings; `utm report` and the link builder.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTaggedUrl, NonConformingTagError } from '../../src/taxonomy/utm-build.js';
import { canonicalUtm, checkUtmTag, compileUtmRules, UtmRulesSchema, type UtmRules } from '../../src/taxonomy/utm-rules.js';
import { utmSql } from '../../src/taxonomy/utm-sql.js';
import { clickhouseSkipReason, startClickHouseServer, type ClickHouseTestServer } from '../support/clickhouse-server.js';
import { startHarness, type Harness } from '../support/harness.js';

const RULES_CONFIG = {
  aliases: { utm_source: { facebook: ['fb', 'facebook.com', 'FB.com'], google: ['adwords'] } },
  allowed: { utm_medium: ['cpc', 'paid_social', 'email', 'organic_social'] },
  requiredByMedium: { cpc: ['utm_campaign', 'utm_term'] },
} as const;
const rules: UtmRules = compileUtmRules(UtmRulesSchema.parse(RULES_CONFIG));

describe('UTM rules', () => {
  it('normalises case, whitespace and separators, then aliases', () => {
    expect(['fb', ' Facebook ', 'facebook.com', 'FB.COM'].map((v) => canonicalUtm(rules, 'utm_source', v))).toEqual(['facebook', 'facebook', 'facebook', 'facebook']);
    expect(['Paid Social', 'paid-social', 'paid__social', 'PAID_SOCIAL'].map((v) => canonicalUtm(rules, 'utm_medium', v))).toEqual(Array(4).fill('paid_social'));
    expect(canonicalUtm(rules, 'utm_campaign', 'fb')).toBe('fb'); // aliases are per parameter
  });

  it('says what is wrong with a tag and which rule fixes it', () => {
    const p = checkUtmTag(rules, { utm_source: 'FB', utm_medium: 'CPC', utm_campaign: 'spring' });
    expect(p.map((x) => `${x.param} ${x.problem} ${x.fix}`)).toEqual([
      'utm_source alias alias: utm_source "FB" → "facebook"',
      'utm_medium not_normalised normalisation: "CPC" → "cpc"',
      'utm_term missing medium "cpc" requires utm_term (attribution.utm.requiredByMedium)',
    ]);
    expect(checkUtmTag(rules, { utm_medium: 'banner' })[0]).toMatchObject({ problem: 'not_allowed', fix: expect.stringContaining('add "banner" to attribution.utm.allowed.utm_medium') });
  });

  it('refuses an alias that means two things, naming it', () => {
    const r = UtmRulesSchema.safeParse({ aliases: { utm_source: { facebook: ['fb'], fastbank: ['FB'] } } });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toBe('utm_source: "FB" is an alias of both "facebook" and "fastbank"');
  });

  it('builds a conforming link and refuses a nonconforming one with the value to use', () => {
    expect(buildTaggedUrl('https://shop.test/sale?ref=x#top', { utm_source: 'facebook', utm_medium: 'paid_social', utm_campaign: 'spring' }, rules)).toBe(
      'https://shop.test/sale?ref=x&utm_source=facebook&utm_medium=paid_social&utm_campaign=spring#top',
    );
    let err: unknown;
    try {
      buildTaggedUrl('https://shop.test/', { utm_source: 'Facebook', utm_medium: 'cpc', utm_campaign: 'spring' }, rules);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NonConformingTagError);
    expect((err as Error).message).toMatch(/utm_source "Facebook": not_normalised \(use "facebook"\)/);
    expect((err as Error).message).toMatch(/utm_term: missing/);
    expect(() => buildTaggedUrl('javascript:alert(1)', { utm_source: 'facebook', utm_medium: 'email', utm_campaign: 'x' }, rules)).toThrow(/only http and https/);
    expect(() => buildTaggedUrl('https://shop.test/', { utm_source: 'facebook', utm_medium: 'email' }, rules)).toThrow(/--campaign is required/);
  });
});

const HOSTILE = ["  Fb  ", "o'brien", 'a\\b', "x'); DROP TABLE events; --", 'Ünïcode-Wert', 'tab\there', 'new\nline', '--__--', '', ' ', '%27', 'ÉTÉ 2026', 'FB.com'];

for (const engine of ['duckdb', 'clickhouse'] as const) {
  describe.skipIf(engine === 'clickhouse' && clickhouseSkipReason() !== null)(`on ${engine}`, () => {
    let server: ClickHouseTestServer | undefined;
    let h: Harness;
    const page = (id: string, query: string) => ({ type: 'page', anonymousId: `v-${id}`, messageId: id, timestamp: '2026-03-01T10:00:00.000Z', context: { page: { url: `https://shop.test/?${query}` } } });

    beforeAll(async () => {
      const warehouse = engine === 'clickhouse' ? { engine, clickhouse: { url: (server = await startClickHouseServer()).url, database: 'utm_tax' } } : { engine };
      h = await startHarness({ warehouse, attribution: { utm: structuredClone(RULES_CONFIG) as never } });
    }, 120_000);
    afterAll(async () => {
      await h?.dispose();
      await server?.dispose();
    });

    it('reads source and medium through the rules, keeps the raw values, and groups channels on the normalised ones', async () => {
      const res = await h.app.inject({
        method: 'POST', url: '/v1/batch', headers: { authorization: h.auth, 'content-type': 'application/json' },
        payload: JSON.stringify({ batch: [
          page('u1', 'utm_source=FB&utm_medium=Paid%20Social&utm_campaign=Spring'),
          page('u2', 'utm_source=facebook.com&utm_medium=paid-social&utm_campaign=spring'),
          page('u3', 'utm_source=%20Facebook%20&utm_medium=PAID_SOCIAL&utm_campaign=spring'),
          page('u4', 'utm_source=adwords&utm_medium=CPC&utm_campaign=x'),
        ] }),
      });
      expect(res.json().accepted).toBe(4);
      const raw = await h.sql(`SELECT message_id, utm_source FROM events WHERE message_id IN ('u1', 'u2', 'u3', 'u4') ORDER BY message_id`);
      expect(raw.map((r) => r['utm_source'])).toEqual(['FB', 'facebook.com', ' Facebook ', 'adwords']);
      const sessions = await h.sql(`SELECT device_id, source, medium, campaign, channel FROM sessions WHERE device_id IN ('v-u1', 'v-u2', 'v-u3', 'v-u4') ORDER BY device_id`);
      expect(sessions.map((s) => [s['source'], s['medium'], s['campaign'], s['channel']])).toEqual([
        ['facebook', 'paid_social', 'spring', 'Paid Social'],
        ['facebook', 'paid_social', 'spring', 'Paid Social'],
        ['facebook', 'paid_social', 'spring', 'Paid Social'],
        ['google', 'cpc', 'x', 'Paid Search'],
      ]);
    });

    it('normalises in SQL exactly as in TypeScript, hostile strings included', async () => {
      const b = h.warehouse.dialect.binding('t');
      const selects = HOSTILE.map((v, i) => `${utmSql(b, rules, 'utm_source', b.string(v))} AS ${b.quoteIdent(`v${i}`)}`);
      const r = await h.warehouse.query(`SELECT ${selects.join(', ')}`, { params: b.params });
      expect(r.rows[0]).toEqual(HOSTILE.map((v) => canonicalUtm(rules, 'utm_source', v)));
    });

    it('utm report: nonconforming values by volume with the rule that fixes each, and missing parameters', async () => {
      const r = (await (await h.loader.flush(), h.adminApp).inject({ method: 'GET', url: '/admin/utm/report?days=3650', headers: { authorization: `Bearer ${h.adminToken}` } })).json();
      const line = (param: string, value: string) => r.lines.find((l: { param: string; value: string }) => l.param === param && l.value === value);
      expect(line('utm_source', 'FB')).toMatchObject({ landings: 1, problem: 'alias', canonical: 'facebook' });
      expect(line('utm_medium', 'Paid Social')).toMatchObject({ landings: 1, problem: 'not_normalised', canonical: 'paid_social' });
      expect(line('utm_term', '')).toMatchObject({ landings: 1, problem: 'missing', canonical: 'cpc' });
      expect(line('utm_source', 'facebook')).toBeUndefined();
      expect(r.landings).toBe(4);
    });

    it('utm report: each value weighed by the revenue of the conversions it was the last touch of', async () => {
      // Landings, then orders by the same visitors; the expected revenue is summed here from the
      // raw value each visitor landed with, apart from the report's SQL.
      const landed: Record<string, string> = { 'v-r1': 'utm_source=FB&utm_medium=cpc&utm_campaign=a', 'v-r2': 'utm_source=facebook.com&utm_medium=email', 'v-r3': 'utm_source=FB&utm_medium=email' };
      const orders: [visitor: string, revenue: number][] = [['v-r1', 40], ['v-r2', 10], ['v-r2', 5.5], ['v-r3', 2.25], ['v-none', 99]];
      const at = (m: number) => `2026-03-02T10:${String(m).padStart(2, '0')}:00.000Z`;
      const batch = [
        ...Object.entries(landed).map(([v, q], i) => ({ type: 'page', anonymousId: v, messageId: `land-${v}`, timestamp: at(i), context: { page: { url: `https://shop.test/?${q}` } } })),
        ...orders.map(([v, revenue], i) => ({ type: 'track', event: 'Order Completed', anonymousId: v, messageId: `order-${i}`, timestamp: at(30 + i), properties: { revenue } })),
      ];
      const res = await h.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: h.auth }, payload: { batch } });
      expect(res.json().accepted).toBe(batch.length);
      await h.loader.flush();
      const expected = (param: string, value: string) =>
        orders.filter(([v]) => v in landed && new URLSearchParams(landed[v]).get(param) === value).reduce((n, [, r]) => n + r, 0);
      const r = (await h.adminApp.inject({ method: 'GET', url: '/admin/utm/report?days=3650', headers: { authorization: `Bearer ${h.adminToken}` } })).json();
      const line = (param: string, value: string) => r.lines.find((l: { param: string; value: string }) => l.param === param && l.value === value);
      expect(line('utm_source', 'FB')).toMatchObject({ problem: 'alias', revenue: expected('utm_source', 'FB') });
      expect(expected('utm_source', 'FB')).toBe(42.25);
      expect(line('utm_source', 'facebook.com')).toMatchObject({ revenue: expected('utm_source', 'facebook.com') });
      // v-r1 landed with cpc and no utm_term: the missing term carried its order.
      expect(line('utm_term', '')).toMatchObject({ problem: 'missing', canonical: 'cpc', revenue: 40 });
    });
  });
}
