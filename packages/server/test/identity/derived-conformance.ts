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

    it('each person\'s touch groups come from one touch row each, nulls included, and the README query returns only true first clicks', async () => {
      const day = (d: number, h = 9) => `2026-09-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:00:00.000Z`;
      await h.load([
        // Ana: organic search first (no click id), a LinkedIn ad the next day, then a direct visit
        page('nl-1', 'nl-ana', day(1), 'https://shop.test/', 'https://www.google.com/'),
        page('nl-2', 'nl-ana', day(2), 'https://shop.test/?utm_source=linkedin&utm_medium=paid_social&li_fat_id=LI-ana', 'https://www.linkedin.com/'),
        page('nl-3', 'nl-ana', day(3), 'https://shop.test/account'),
        // Ben: a tagged email first (no referrer), then a plain referral (a referrer, no tags)
        page('nl-4', 'nl-ben', day(1), 'https://shop.test/?utm_source=newsletter&utm_medium=email&utm_campaign=sept'),
        page('nl-5', 'nl-ben', day(4), 'https://shop.test/post', 'https://news.example/'),
        // Cy: a gclid landing without referrer, then LinkedIn on another device, joined by identify
        page('nl-6', 'nl-cy-phone', day(2), 'https://shop.test/?gclid=G-cy'),
        identify('nl-7', 'nl-cy-phone', 'nl-cy', day(2, 10)),
        page('nl-8', 'nl-cy-laptop', day(1), 'https://shop.test/?li_fat_id=LI-cy', 'https://www.linkedin.com/'),
        identify('nl-9', 'nl-cy-laptop', 'nl-cy', day(1, 10)),
        order('nl-10', { user: 'nl-cy' }, day(5), 90),
        order('nl-11', { anon: 'nl-ana' }, day(5), 40),
      ]);
      const FIELDS = ['at', 'kind', 'channel', 'source', 'medium', 'campaign', 'click_id_type', 'click_id', 'referrer_domain'] as const;
      const PREFIXES = ['first_touch', 'last_touch', 'last_non_direct_touch'] as const;
      const persons = await h.rows(`SELECT person_id, ${PREFIXES.flatMap((p) => FIELDS.map((k) => `${p}_${k}`)).join(', ')} FROM persons WHERE person_id IN (SELECT person_id FROM sessions WHERE device_id LIKE 'nl-%')`);
      expect(persons).toHaveLength(3);
      const touches = await h.rows(`SELECT person_id, touch_at AS at, ${FIELDS.slice(1).join(', ')} FROM touches WHERE device_id LIKE 'nl-%'`);
      for (const p of persons) {
        for (const prefix of PREFIXES) {
          const group = Object.fromEntries(FIELDS.map((k) => [k, p[`${prefix}_${k}`]]));
          const rows = touches.filter((t) => t['person_id'] === p['person_id']).map(({ person_id: _, ...t }) => t);
          expect(rows, `${prefix} of ${String(p['person_id'])} is one row of touches`).toContainEqual(group);
        }
      }
      const group = async (user: string, anon: string) => {
        const [r] = await h.rows(`SELECT ${PREFIXES.flatMap((p) => ['at', 'channel', 'click_id_type', 'click_id', 'referrer_domain'].map((k) => `${p}_${k}`)).join(', ')} FROM persons WHERE ${has('user_ids', user)} OR ${has('anonymous_ids', anon)}`);
        return r;
      };
      expect(await group('-', 'nl-ana')).toEqual({
        first_touch_at: day(1), first_touch_channel: 'Organic Search', first_touch_click_id_type: null, first_touch_click_id: null, first_touch_referrer_domain: 'google.com',
        last_touch_at: day(3), last_touch_channel: 'Direct', last_touch_click_id_type: null, last_touch_click_id: null, last_touch_referrer_domain: null,
        last_non_direct_touch_at: day(2), last_non_direct_touch_channel: 'Paid Social', last_non_direct_touch_click_id_type: 'li_fat_id', last_non_direct_touch_click_id: 'LI-ana', last_non_direct_touch_referrer_domain: 'linkedin.com',
      });
      expect(await group('-', 'nl-ben')).toEqual({
        first_touch_at: day(1), first_touch_channel: 'Email', first_touch_click_id_type: null, first_touch_click_id: null, first_touch_referrer_domain: null,
        last_touch_at: day(4), last_touch_channel: 'Referral', last_touch_click_id_type: null, last_touch_click_id: null, last_touch_referrer_domain: 'news.example',
        last_non_direct_touch_at: day(4), last_non_direct_touch_channel: 'Referral', last_non_direct_touch_click_id_type: null, last_non_direct_touch_click_id: null, last_non_direct_touch_referrer_domain: 'news.example',
      });
      expect(await group('nl-cy', '-')).toMatchObject({
        first_touch_at: day(1), first_touch_click_id_type: 'li_fat_id', first_touch_click_id: 'LI-cy', first_touch_referrer_domain: 'linkedin.com',
        last_touch_at: day(2), last_touch_click_id_type: 'gclid', last_touch_click_id: 'G-cy', last_touch_referrer_domain: null,
      });
      // each session's touch columns are its entry event's, that one row's (nulls included)
      const entry = ['utm_source', 'utm_medium', 'utm_campaign', 'click_id_type', 'click_id'];
      const sessions = await h.rows(`SELECT message_id, ${entry.join(', ')} FROM sessions WHERE device_id LIKE 'nl-%' ORDER BY message_id`);
      const entries = await h.rows(`SELECT message_id, ${entry.join(', ')} FROM events WHERE message_id IN (${sessions.map((r) => `'${String(r['message_id'])}'`).join(', ')}) ORDER BY message_id`);
      expect(sessions.map((r) => r['message_id'])).toEqual(['nl-1', 'nl-2', 'nl-3', 'nl-4', 'nl-5', 'nl-6', 'nl-8']);
      expect(sessions).toEqual(entries);
      // The README's headline query: only people whose first touch really was a LinkedIn click
      const headline = await h.rows(`
        SELECT p.first_touch_channel AS channel, p.first_touch_click_id_type AS click, p.first_touch_at AS clicked_at, c.converted_at AS bought_at, c.value AS value, p.anonymous_ids AS devices
        FROM persons AS p JOIN conversions AS c ON c.person_id = p.person_id
        WHERE p.first_touch_click_id_type = 'li_fat_id' AND c.message_id IN ('nl-10', 'nl-11')`);
      expect(headline).toEqual([{ channel: 'Paid Social', click: 'li_fat_id', clicked_at: day(1), bought_at: day(5), value: 90, devices: ['nl-cy-laptop', 'nl-cy-phone'] }]);
    });

    it('only arrivals start sessions and touches: a track on a tagged URL never does, idle or not', async () => {
      const spring = 'https://shop.test/?utm_source=newsletter&utm_medium=email&utm_campaign=spring';
      const summer = 'https://shop.test/?utm_source=facebook&utm_medium=paid_social&utm_campaign=summer';
      const t = (min: number) => new Date(Date.parse('2026-10-01T10:00:00.000Z') + min * 60_000).toISOString();
      const onPage = (e: Record<string, unknown>, url: string) => ({ ...e, context: { page: { url } } });
      await h.load([
        // two tabs on two campaigns; the purchase happens in the first
        page('ar-1', 'ar-tabs', t(0), spring, 'https://mail.example/'),
        page('ar-2', 'ar-tabs', t(1), summer, 'https://m.facebook.com/'),
        onPage(order('ar-3', { anon: 'ar-tabs' }, t(2), 50), spring),
        // a page then a track on the same tagged URL
        page('ar-4', 'ar-once', t(0), spring, 'https://mail.example/'),
        onPage({ type: 'track', event: 'Added to Cart', messageId: 'ar-5', anonymousId: 'ar-once', timestamp: t(1) }, spring),
        // 45 idle minutes, then a track on the tagged URL, then a page view 5 minutes after it
        page('ar-6', 'ar-idle', t(0), spring, 'https://mail.example/'),
        onPage({ type: 'track', event: 'Came Back', messageId: 'ar-7', anonymousId: 'ar-idle', timestamp: t(45) }, spring),
        page('ar-8', 'ar-idle', t(50), 'https://shop.test/cart', 'https://shop.test/'),
        // a track before any arrival belongs to no session; the first arrival starts one 10 minutes later
        onPage({ type: 'track', event: 'Early', messageId: 'ar-9', anonymousId: 'ar-late', timestamp: t(0) }, spring),
        page('ar-10', 'ar-late', t(10), 'https://shop.test/'),
        // an app's screen view is an arrival too
        { type: 'screen', name: 'Home', messageId: 'ar-11', anonymousId: 'ar-app', timestamp: t(0) },
      ]);
      const sessions = await h.rows(`SELECT device_id, message_id, kind, campaign, events, started_at, ended_at FROM sessions WHERE device_id LIKE 'ar-%' ORDER BY device_id, started_at`);
      expect(sessions).toEqual([
        { device_id: 'ar-app', message_id: 'ar-11', kind: 'direct', campaign: '(direct)', events: 1, started_at: t(0), ended_at: t(0) },
        { device_id: 'ar-idle', message_id: 'ar-6', kind: 'campaign', campaign: 'spring', events: 3, started_at: t(0), ended_at: t(50) },
        { device_id: 'ar-late', message_id: 'ar-10', kind: 'direct', campaign: '(direct)', events: 1, started_at: t(10), ended_at: t(10) },
        { device_id: 'ar-once', message_id: 'ar-4', kind: 'campaign', campaign: 'spring', events: 2, started_at: t(0), ended_at: t(1) },
        { device_id: 'ar-tabs', message_id: 'ar-1', kind: 'campaign', campaign: 'spring', events: 1, started_at: t(0), ended_at: t(0) },
        { device_id: 'ar-tabs', message_id: 'ar-2', kind: 'campaign', campaign: 'summer', events: 2, started_at: t(1), ended_at: t(2) },
      ]);
      const [tabs] = await h.rows(`SELECT last_touch_campaign, last_touch_at FROM persons WHERE ${has('anonymous_ids', 'ar-tabs')}`);
      expect(tabs).toEqual({ last_touch_campaign: 'summer', last_touch_at: t(1) });
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
