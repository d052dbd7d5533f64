import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig, type Config, type ConfigInput } from '../../src/config/config.js';
import { createDerivedModel, type DerivedModel } from '../../src/identity/derived-model.js';
import type { Warehouse } from '../../src/warehouse/warehouse.js';
import type { WarehouseFixture } from '../warehouse/conformance.js';
import { eventLine, fromSegments, writeSegment } from '../support/rows.js';

/** A page view landing on `url` from `referrer` at `at`. */
export const page = (id: string, anon: string | undefined, at: string, url: string, referrer?: string, user?: string) => ({
  type: 'page',
  messageId: id,
  ...(anon ? { anonymousId: anon } : {}),
  ...(user ? { userId: user } : {}),
  timestamp: at,
  context: { page: { url, ...(referrer ? { referrer } : {}) } },
});
export const identify = (id: string, anon: string, user: string, at: string, traits: Record<string, unknown> = {}) => ({
  type: 'identify',
  messageId: id,
  anonymousId: anon,
  userId: user,
  timestamp: at,
  traits,
});
export const alias = (id: string, previous: string, user: string, at: string) => ({ type: 'alias', messageId: id, previousId: previous, userId: user, timestamp: at });
export const order = (id: string, ids: { anon?: string; user?: string }, at: string, value: number, extra: Record<string, unknown> = {}) => ({
  type: 'track',
  event: 'Order Completed',
  messageId: id,
  ...(ids.anon ? { anonymousId: ids.anon } : {}),
  ...(ids.user ? { userId: ids.user } : {}),
  timestamp: at,
  properties: { value, ...extra },
});

/** Loads events through the warehouse's load path, then the derived model's refresh for that batch. */
export interface Loader {
  (events: Record<string, unknown>[]): Promise<void>;
}

export function derivedHarness(open: () => Promise<WarehouseFixture>, configInput: ConfigInput = {}) {
  const h = {} as {
    w: Warehouse;
    config: Config;
    model: DerivedModel;
    load: Loader;
    rows(sql: string): Promise<Record<string, unknown>[]>;
    /** Recreates the views for another configuration (what a restart with a new config does). */
    reconfigure(input: ConfigInput): Promise<void>;
    dir: string;
    fx: WarehouseFixture;
  };
  let seq = 0;
  beforeAll(async () => {
    h.dir = await mkdtemp(join(tmpdir(), 'touchline-derived-'));
    h.fx = await open();
    h.w = h.fx.warehouse;
    await h.w.migrate();
    h.reconfigure = async (input) => {
      h.config = resolveConfig({ dataDir: h.dir, tracker: { siteDomains: ['shop.test'] }, ...input } as Record<string, unknown>, {}, {});
      h.model = createDerivedModel(h.w, h.config);
      await h.model.ensure();
    };
    await h.reconfigure(configInput);
    h.load = async (events) => {
      seq++;
      const file = await writeSegment(join(h.dir, 'spool'), seq, events.map((e) => eventLine(e)));
      const r = await h.w.load({ collectorId: 'col_derived', ...fromSegments([file]), lastSeq: seq, dedupWindowMs: 24 * 3600_000 });
      await h.model.afterLoad({ collectorId: 'col_derived', ...fromSegments([file]), lastSeq: seq, dedupWindowMs: 24 * 3600_000 }, r.events);
    };
    h.rows = async (sql) => {
      const r = await h.w.query(sql);
      return r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i]])));
    };
  });
  afterAll(async () => {
    await h.fx?.dispose();
    await rm(h.dir, { recursive: true, force: true });
  });
  return h;
}

/**
 * Identity, sessions, touches, conversions and persons: the one suite both engines run (as the
 * warehouse conformance suite does). Queries use only SQL both engines accept.
 */
export function describeDerivedConformance(engine: string, open: () => Promise<WarehouseFixture>): void {
  describe(`derived model conformance: ${engine}`, () => {
    const h = derivedHarness(open);
    const has = (list: string, v: string) => (h.w.engine === 'duckdb' ? `list_contains(${list}, '${v}')` : `has(${list}, '${v}')`);

    it('joins a LinkedIn click in March to a purchase in September on another device (the README query)', async () => {
      await h.load([
        page('rm-1', 'laptop-1', '2026-03-02T09:00:00.000Z', 'https://shop.test/pricing?li_fat_id=LI-123', 'https://www.linkedin.com/'),
        page('rm-2', 'laptop-1', '2026-03-02T09:05:00.000Z', 'https://shop.test/signup', 'https://shop.test/pricing'),
        identify('rm-3', 'laptop-1', 'ada', '2026-03-02T09:06:00.000Z', { email: 'ada@example.com', plan: 'trial' }),
        // September: a phone, a browser that never saw March; she types the address, signs in, buys.
        page('rm-4', 'phone-9', '2026-09-14T18:00:00.000Z', 'https://shop.test/'),
        identify('rm-5', 'phone-9', 'ada', '2026-09-14T18:01:00.000Z', { email: 'ada@example.com', plan: 'pro' }),
        order('rm-6', { anon: 'phone-9', user: 'ada' }, '2026-09-14T18:03:00.000Z', 480),
      ]);
      const r = await h.rows(`
        SELECT p.first_touch_channel AS channel, p.first_touch_click_id_type AS click, p.first_touch_at AS clicked_at,
               c.converted_at AS bought_at, c.value AS value, p.anonymous_ids AS devices
        FROM persons AS p JOIN conversions AS c ON c.person_id = p.person_id
        WHERE p.first_touch_click_id_type = 'li_fat_id'`);
      expect(r).toEqual([
        {
          channel: 'Paid Social',
          click: 'li_fat_id',
          clicked_at: '2026-03-02T09:00:00.000Z',
          bought_at: '2026-09-14T18:03:00.000Z',
          value: 480,
          devices: ['laptop-1', 'phone-9'],
        },
      ]);
      const [person] = await h.rows(`SELECT user_ids, last_touch_channel, last_non_direct_touch_channel, latest_traits, events FROM persons WHERE ${has('user_ids', 'ada')}`);
      expect(person).toMatchObject({ user_ids: ['ada'], last_touch_channel: 'Direct', last_non_direct_touch_channel: 'Paid Social', events: 6 });
      expect(JSON.parse(String(person?.['latest_traits']))).toEqual({ email: 'ada@example.com', plan: 'pro' });
    });

    it('merges alias chains explicitly, whatever their order, with a deterministic person id', async () => {
      await h.load([
        page('al-1', 'al-dev-1', '2026-04-01T10:00:00.000Z', 'https://shop.test/?utm_source=newsletter&utm_medium=email', undefined, 'al-old'),
        alias('al-2', 'al-mid', 'al-new', '2026-04-03T10:00:00.000Z'),
        alias('al-3', 'al-old', 'al-mid', '2026-04-02T10:00:00.000Z'),
        alias('al-4', 'al-dev-2', 'al-new', '2026-04-04T10:00:00.000Z'),
        page('al-5', 'al-dev-2', '2026-04-04T11:00:00.000Z', 'https://shop.test/'),
        order('al-6', { user: 'al-new' }, '2026-04-05T10:00:00.000Z', 10),
      ]);
      const people = await h.rows(`SELECT person_id, user_ids, anonymous_ids FROM persons WHERE ${has('user_ids', 'al-new')} OR ${has('user_ids', 'al-old')} OR ${has('anonymous_ids', 'al-dev-2')}`);
      expect(people).toHaveLength(1);
      expect(people[0]).toMatchObject({ user_ids: ['al-mid', 'al-new', 'al-old'], anonymous_ids: ['al-dev-1', 'al-dev-2'] });
      // The root is the smallest alias user id ('al-mid' < 'al-new'): the person id is its MD5.
      const [md5] = await h.rows(`SELECT person_id FROM conversions WHERE message_id = 'al-6'`);
      expect(md5?.['person_id']).toBe(people[0]?.['person_id']);
      expect(people[0]?.['person_id']).toBe(createHash('md5').update('al-mid').digest('hex'));
    });

    it('never merges two users through a shared anonymous id, and says so', async () => {
      await h.load([
        page('sh-1', 'kiosk', '2026-05-01T09:00:00.000Z', 'https://shop.test/?gclid=G-kiosk'),
        identify('sh-2', 'kiosk', 'bob', '2026-05-01T09:01:00.000Z'),
        order('sh-3', { anon: 'kiosk', user: 'bob' }, '2026-05-01T09:02:00.000Z', 20),
        identify('sh-4', 'kiosk', 'carol', '2026-05-02T09:01:00.000Z'),
        order('sh-5', { anon: 'kiosk', user: 'carol' }, '2026-05-02T09:02:00.000Z', 30),
        page('sh-6', 'kiosk', '2026-05-03T09:00:00.000Z', 'https://shop.test/'),
      ]);
      const bob = await h.rows(`SELECT person_id, user_ids, anonymous_ids FROM persons WHERE ${has('user_ids', 'bob')}`);
      const carol = await h.rows(`SELECT person_id, user_ids, anonymous_ids FROM persons WHERE ${has('user_ids', 'carol')}`);
      expect(bob).toHaveLength(1);
      expect(carol).toHaveLength(1);
      expect(bob[0]?.['person_id']).not.toBe(carol[0]?.['person_id']);
      expect(carol[0]).toMatchObject({ user_ids: ['carol'] });
      // The kiosk's anonymous visits go to the user it identified as first.
      const kioskVisits = await h.rows(`SELECT person_id FROM sessions WHERE device_id = 'kiosk' GROUP BY person_id`);
      expect(kioskVisits.map((r) => r['person_id'])).toEqual([bob[0]?.['person_id']]);
      const convs = await h.rows(`SELECT message_id, person_id FROM conversions WHERE message_id IN ('sh-3', 'sh-5') ORDER BY message_id`);
      expect(convs.map((r) => r['person_id'])).toEqual([bob[0]?.['person_id'], carol[0]?.['person_id']]);
      const warnings = await h.rows(`SELECT warning, id, detail FROM identity_warnings WHERE id = 'kiosk'`);
      expect(warnings).toEqual([{ warning: 'shared_anonymous_id', id: 'kiosk', detail: 'linked to 2 persons, not merged; its anonymous events go to the first: bob' }]);
    });

    it('ignores junk ids (undefined, null, 0, anonymous…) with a recorded warning', async () => {
      await h.load([
        identify('jk-1', 'undefined', 'jk-x', '2026-05-10T09:00:00.000Z'),
        identify('jk-2', 'undefined', 'jk-y', '2026-05-10T09:05:00.000Z'),
        page('jk-3', 'undefined', '2026-05-10T09:06:00.000Z', 'https://shop.test/?utm_source=ads&utm_medium=cpc'),
        order('jk-4', { anon: 'jk-dev', user: 'null' }, '2026-05-10T09:07:00.000Z', 5),
        identify('jk-5', ' Anonymous ', 'jk-x', '2026-05-10T09:08:00.000Z'),
      ]);
      const x = await h.rows(`SELECT user_ids, anonymous_ids FROM persons WHERE ${has('user_ids', 'jk-x')}`);
      expect(x).toEqual([{ user_ids: ['jk-x'], anonymous_ids: [] }]);
      expect(await h.rows(`SELECT count(*) AS n FROM persons WHERE ${has('user_ids', 'jk-y')} AND ${has('user_ids', 'jk-x')}`)).toEqual([{ n: 0 }]);
      // 'null' as a user id is no user: the order belongs to its device.
      const [o] = await h.rows(`SELECT c.person_id AS person_id, p.anonymous_ids AS ids FROM conversions AS c JOIN persons AS p ON p.person_id = c.person_id WHERE c.message_id = 'jk-4'`);
      expect(o?.['ids']).toEqual(['jk-dev']);
      // Events that carry only a junk id start no session.
      expect(await h.rows(`SELECT count(*) AS n FROM sessions WHERE message_id = 'jk-3'`)).toEqual([{ n: 0 }]);
      const w = await h.rows(`SELECT warning, id, detail, count FROM identity_warnings WHERE warning = 'junk_id' AND id IN ('undefined', ' Anonymous ', 'null') ORDER BY id, detail`);
      expect(w).toEqual([
        { warning: 'junk_id', id: ' Anonymous ', detail: 'ignored: events carry it as anonymous_id', count: 1 },
        { warning: 'junk_id', id: ' Anonymous ', detail: 'ignored: identity links (identify) name it as anonymous_id', count: 1 },
        { warning: 'junk_id', id: 'null', detail: 'ignored: events carry it as user_id', count: 1 },
        { warning: 'junk_id', id: 'null', detail: 'ignored: identity links (event) name it as user_id', count: 1 },
        { warning: 'junk_id', id: 'undefined', detail: 'ignored: events carry it as anonymous_id', count: 3 },
        { warning: 'junk_id', id: 'undefined', detail: 'ignored: identity links (identify) name it as anonymous_id', count: 2 },
      ]);
    });

    it('resolves a CRM conversion sent with an email to the user an identify gave that email', async () => {
      await h.load([
        identify('em-1', 'em-dev', 'erin', '2026-06-01T09:00:00.000Z', { email: ' Erin@Example.com ' }),
        { type: 'track', event: 'Order Completed', messageId: 'em-2', anonymousId: 'email:erin@example.com', timestamp: '2026-06-20T09:00:00.000Z', properties: { value: '99.5' } },
      ]);
      const [c] = await h.rows(`SELECT c.value AS value, p.user_ids AS users FROM conversions AS c JOIN persons AS p ON p.person_id = c.person_id WHERE c.message_id = 'em-2'`);
      expect(c).toEqual({ value: 99.5, users: ['erin'] });
    });

    it('splits sessions after 30 minutes of inactivity and at a new campaign, never at a repeat of it', async () => {
      await h.load([
        page('ss-1', 'ss-dev', '2026-07-01T10:00:00.000Z', 'https://shop.test/', 'https://www.google.com/'),
        page('ss-2', 'ss-dev', '2026-07-01T10:05:00.000Z', 'https://shop.test/a', 'https://shop.test/'),
        { type: 'track', event: 'Clicked', messageId: 'ss-3', anonymousId: 'ss-dev', timestamp: '2026-07-01T10:06:00.000Z', context: { page: { url: 'https://shop.test/a', referrer: 'https://www.google.com/' } } },
        page('ss-4', 'ss-dev', '2026-07-01T10:50:00.000Z', 'https://www.shop.test/b', 'https://shop.test/a'),
        page('ss-5', 'ss-dev', '2026-07-01T10:55:00.000Z', 'https://shop.test/?utm_source=newsletter&utm_medium=email&utm_campaign=july', 'https://mail.example/'),
        page('ss-6', 'ss-dev', '2026-07-01T10:56:00.000Z', 'https://shop.test/?utm_source=newsletter&utm_medium=email&utm_campaign=july', 'https://mail.example/'),
        page('ss-7', 'ss-dev', '2026-07-01T11:00:00.000Z', 'https://shop.test/c', 'https://l.facebook.com/'),
        page('ss-8', 'ss-dev', '2026-07-01T11:01:00.000Z', 'https://shop.test/d', 'https://checkout.stripe.com/pay'),
        // A server-side event (no page) neither starts nor extends a session.
        { type: 'track', event: 'Invoice Paid', messageId: 'ss-9', anonymousId: 'ss-dev', timestamp: '2026-07-01T15:00:00.000Z' },
      ]);
      const s = await h.rows(`SELECT message_id, kind, channel, source, medium, campaign, events, started_at, ended_at FROM sessions WHERE device_id = 'ss-dev' ORDER BY started_at`);
      expect(s).toEqual([
        { message_id: 'ss-1', kind: 'referral', channel: 'Organic Search', source: 'google', medium: 'organic', campaign: '(organic)', events: 3, started_at: '2026-07-01T10:00:00.000Z', ended_at: '2026-07-01T10:06:00.000Z' },
        { message_id: 'ss-4', kind: 'direct', channel: 'Direct', source: '(direct)', medium: '(none)', campaign: '(direct)', events: 1, started_at: '2026-07-01T10:50:00.000Z', ended_at: '2026-07-01T10:50:00.000Z' },
        { message_id: 'ss-5', kind: 'campaign', channel: 'Email', source: 'newsletter', medium: 'email', campaign: 'july', events: 2, started_at: '2026-07-01T10:55:00.000Z', ended_at: '2026-07-01T10:56:00.000Z' },
        { message_id: 'ss-7', kind: 'referral', channel: 'Organic Social', source: 'l.facebook.com', medium: 'referral', campaign: '(referral)', events: 2, started_at: '2026-07-01T11:00:00.000Z', ended_at: '2026-07-01T11:01:00.000Z' },
      ]);
      const t = await h.rows(`SELECT touch_at, channel FROM touches WHERE device_id = 'ss-dev' AND kind <> 'direct' ORDER BY touch_at`);
      expect(t.map((r) => r['channel'])).toEqual(['Organic Search', 'Email', 'Organic Social']);
    });

    it('reads conversion values from the first numeric value property, and leaves out other currencies', async () => {
      const h2 = h;
      await h2.load([
        order('cv-1', { user: 'cv-u' }, '2026-08-01T10:00:00.000Z', 0, { value: undefined, revenue: 12.5 }),
        { ...order('cv-2', { user: 'cv-u' }, '2026-08-01T11:00:00.000Z', 0), properties: { value: '49.90' } },
        { ...order('cv-3', { user: 'cv-u' }, '2026-08-01T12:00:00.000Z', 0), properties: { value: 'lots', total: 3 } },
        { ...order('cv-4', { user: 'cv-u' }, '2026-08-01T13:00:00.000Z', 0), properties: {} },
      ]);
      const r = await h.rows(`SELECT message_id, value, conversion FROM conversions WHERE message_id LIKE 'cv-%' ORDER BY message_id`);
      expect(r).toEqual([
        { message_id: 'cv-1', value: 12.5, conversion: 'Order Completed' },
        { message_id: 'cv-2', value: 49.9, conversion: 'Order Completed' },
        { message_id: 'cv-3', value: 3, conversion: 'Order Completed' },
        { message_id: 'cv-4', value: 0, conversion: 'Order Completed' },
      ]);
    });
  });
}
