import { sha256Hex } from '@touchline/destinations';
import {
  startGoogleDataManagerStandIn,
  startHubspotStandIn,
  type GoogleDataManagerStandIn,
  type HubspotStandIn,
} from '@touchline/destinations/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sourceSql } from '../../src/activation/model/source-sql.js';
import { activationConfig, FAST_RETRY, testEngine, type TestWarehouse } from './support.js';

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The sync engine's behaviour on one warehouse engine. DuckDB and ClickHouse run the same suite
 * (STYLE.md: one interface, one conformance suite): the state, the diff, the staging tables and
 * the built-in model are SQL per dialect, so each must show the same results.
 */
export function describeEngineConformance(engine: string, open: () => Promise<TestWarehouse>): void {
  describe(`sync engine on ${engine}`, () => {
    let w: TestWarehouse;
    let hubspot: HubspotStandIn;
    let google: GoogleDataManagerStandIn;
    const now = Date.now();

    beforeAll(async () => {
      w = await open();
      hubspot = await startHubspotStandIn();
      google = await startGoogleDataManagerStandIn();
      await w.loadEvents([
        ...Array.from({ length: 120 }, (_, i) => ({
          type: 'identify', messageId: `id-${i}`, userId: `u-${i}`, timestamp: iso(now - DAY),
          // Awkward text on purpose: quotes, backslashes, non-ASCII go through state and results.
          traits: { email: `user${i}@example.com`, plan: i % 3 === 0 ? 'pro' : 'free', note: `it's a "test" \\ ünïcødé ${i}` },
        })),
        ...Array.from({ length: 40 }, (_, i) => ({ type: 'track', messageId: `fx-${i}`, userId: `u-${i % 8}`, event: 'Feature X Used', timestamp: iso(now - 3600_000) })),
      ]);
      // The first-touch story, for the built-in model.
      google.registerClick('Gclid-Story', now - 60 * DAY);
      await w.loadEvents([
        { type: 'page', messageId: 'story-land', anonymousId: 'anon-story', timestamp: iso(now - 60 * DAY), context: { page: { url: 'https://acme.example/?gclid=Gclid-Story' }, consent: { ad_user_data: true } } },
        { type: 'identify', messageId: 'story-id', anonymousId: 'anon-story', userId: 'crm-story', timestamp: iso(now - 59 * DAY), traits: { email: 'Story.Teller@gmail.com' } },
        { type: 'track', messageId: 'story-opp', userId: 'crm-story', event: 'Opportunity Created', timestamp: iso(now - DAY), properties: { opportunity_id: 'OPP-9', value: 25000, currency: 'USD' } },
      ]);
    });
    afterAll(async () => {
      await hubspot.close();
      await google.close();
      await w.dispose();
    });

    // Inner aliases differ from outer ones: ClickHouse resolves aliases query-wide.
    const usage = `SELECT user_id AS uid, ${engine === 'duckdb' ? `json_extract_string(traits, '$.email')` : `visitParamExtractString(traits, 'email')`} AS mail, count(*) AS n
      FROM events WHERE type IN ('identify', 'track') GROUP BY user_id, mail`;
    const config = (sync: Record<string, unknown> = {}) =>
      activationConfig({
        destinations: {
          hs: { type: 'hubspot', config: { endpoint: hubspot.url, accessToken: 'test-token', properties: { uses: 'feature_x_uses' } } },
          google: { type: 'google-data-manager', config: { endpoint: google.url, accessToken: 'test-token', operatingAccountId: '1234567890', conversionActionId: '77' } },
        },
        syncs: {
          usage: {
            destination: 'hs',
            source: { sql: `SELECT uid, max(mail) AS email, sum(n) - 1 AS uses FROM (${usage}) GROUP BY uid HAVING max(mail) <> ''` },
            primaryKey: 'uid',
            mapping: { email: 'email', uses: 'uses' },
            mode: 'mirror',
            retry: FAST_RETRY,
            ...sync,
          },
          opportunities: { destination: 'google', source: { model: 'conversions', events: ['Opportunity Created'] }, primaryKey: 'conversion_id', mode: 'insert' },
        },
      });

    it('sends every row, then only changes; mirror archives the contacts of rows that left the source', async () => {
      const e = testEngine(config(), w.warehouse);
      const first = await e.run('usage');
      expect(first, String(first.error)).toMatchObject({ status: 'succeeded', plannedAdd: 121, delivered: 121 });
      expect(hubspot.contacts.get('email:user3@example.com')).toMatchObject({ feature_x_uses: '5' });
      expect(await e.run('usage')).toMatchObject({ status: 'succeeded', plannedAdd: 0, plannedChange: 0, plannedRemove: 0 });

      await w.loadEvents([
        { type: 'track', messageId: 'fx-extra', userId: 'u-3', event: 'Feature X Used', timestamp: iso(now) },
        { type: 'identify', messageId: 'id-new', userId: 'u-new', timestamp: iso(now), traits: { email: 'new@example.com' } },
      ]);
      const second = await e.run('usage');
      expect(second).toMatchObject({ status: 'succeeded', plannedAdd: 1, plannedChange: 1, plannedRemove: 0, delivered: 2 });
      expect(hubspot.contacts.get('email:user3@example.com')).toMatchObject({ feature_x_uses: '6' });

      const narrowed = testEngine(
        config({ source: { sql: `SELECT uid, max(mail) AS email, sum(n) - 1 AS uses FROM (${usage}) GROUP BY uid HAVING max(mail) <> '' AND uid <> 'u-1'` } }),
        w.warehouse,
      );
      const third = await narrowed.run('usage');
      expect(third).toMatchObject({ status: 'succeeded', plannedRemove: 1, delivered: 1 });
      // HubSpot deletes (capabilities.deletes): the contact is archived, not cleared.
      expect(hubspot.contacts.has('email:user1@example.com')).toBe(false);
      expect(hubspot.contacts.get('email:user3@example.com')).toMatchObject({ feature_x_uses: '6' });
      // Four runs: the first, one with nothing to send, the change, the narrowed source. (ClickHouse
      // keeps a version per save until it merges: runs are counted by id.)
      const state = await w.rows(`SELECT count(DISTINCT run_id) AS n FROM sync_runs WHERE sync_name = 'usage'`);
      expect(Number(state[0]!['n'])).toBe(4);
      await e.close();
      await narrowed.close();
    });

    it('a paused run resumes with its staged rows and sends nothing twice', async () => {
      const bulk =
        engine === 'duckdb'
          ? `SELECT 'k-' || i AS uid, 'bulk' || i || '@example.com' AS email, i % 5 AS uses FROM range(450) r(i)`
          : `SELECT concat('k-', toString(number)) AS uid, concat('bulk', toString(number), '@example.com') AS email, number % 5 AS uses FROM system.numbers LIMIT 450`;
      const base = config();
      const cfg = { ...base, syncs: { ...base.syncs, bulk: { ...base.syncs['usage']!, source: { sql: bulk }, mode: 'upsert' as const, concurrency: 1 } } };
      const e = testEngine(cfg, w.warehouse);
      const paused = await e.run('bulk', { onProgress: (p) => p.delivered >= 200 && e.stop('bulk', 'paused', 'test') });
      expect(paused.status).toBe('paused');
      expect(paused.delivered).toBeLessThan(450);
      const resumed = await e.run('bulk');
      expect(resumed).toMatchObject({ runId: paused.runId, status: 'succeeded', resumes: 1, delivered: 450 });
      for (let i = 0; i < 450; i++) expect(hubspot.received(`bulk${i}@example.com`)).toBe(1);
      const tables = await w.rows(
        engine === 'duckdb'
          ? `SELECT count(*) AS n FROM information_schema.tables WHERE starts_with(table_name, '_tl_')`
          : `SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND startsWith(name, '_tl_')`,
      );
      expect(Number(tables[0]!['n'])).toBe(0);
      await e.close();
    });

    it('the conversions model uploads the first-touch gclid and the Google-normalised email', async () => {
      const e = testEngine(config(), w.warehouse);
      const run = await e.run('opportunities');
      expect(run).toMatchObject({ status: 'succeeded', delivered: 1 });
      expect(google.accepted[0]!.item).toMatchObject({
        transactionId: 'OPP-9',
        adIdentifiers: { gclid: 'Gclid-Story' },
        conversionValue: 25000,
        currency: 'USD',
        userData: { userIdentifiers: [{ emailAddress: sha256Hex('storyteller@gmail.com') }] },
      });
      const [result] = await w.rows(`SELECT pk, op, status, dedup_key FROM sync_row_results WHERE run_id = '${run.runId}'`);
      // Accepted with a receipt: Google's verdict comes later (requestStatus), so not yet 'delivered'.
      expect(result).toEqual({ pk: 'story-opp', op: 'add', status: 'accepted', dedup_key: 'OPP-9' });
      expect(await e.run('opportunities')).toMatchObject({ plannedAdd: 0, delivered: 0 });
      await e.close();
    });

    it('the conversions model resolves persons as the identity views do: alias chains merge, shared anonymous ids do not', async () => {
      // A Google Ads click under an anonymous id, identified as one CRM id, later aliased to another.
      google.registerClick('Gclid-Chain', now - 60 * DAY);
      // Two users on one browser, no alias: the click stays with the first.
      google.registerClick('Gclid-Shared', now - 60 * DAY);
      const opp = (id: string, user: string) =>
        ({ type: 'track', messageId: `opp-${id}`, userId: user, event: 'Opportunity Created', timestamp: iso(now - DAY), properties: { opportunity_id: id, value: 1000, currency: 'USD' } });
      await w.loadEvents([
        { type: 'page', messageId: 'chain-land', anonymousId: 'anon-chain', timestamp: iso(now - 60 * DAY), context: { page: { url: 'https://acme.example/?gclid=Gclid-Chain' }, consent: { ad_user_data: true } } },
        { type: 'identify', messageId: 'chain-id', anonymousId: 'anon-chain', userId: 'crm-chain-old', timestamp: iso(now - 59 * DAY), traits: { email: 'chain@example.com' } },
        { type: 'alias', messageId: 'chain-alias', previousId: 'crm-chain-old', userId: 'crm-chain', timestamp: iso(now - 30 * DAY) },
        { type: 'page', messageId: 'shared-land', anonymousId: 'anon-shared', timestamp: iso(now - 60 * DAY), context: { page: { url: 'https://acme.example/?gclid=Gclid-Shared' }, consent: { ad_user_data: true } } },
        { type: 'identify', messageId: 'shared-first', anonymousId: 'anon-shared', userId: 'crm-first', timestamp: iso(now - 59 * DAY), traits: { email: 'first@example.com' } },
        { type: 'identify', messageId: 'shared-second', anonymousId: 'anon-shared', userId: 'crm-second', timestamp: iso(now - 40 * DAY), traits: { email: 'second@example.com' } },
        opp('OPP-CHAIN', 'crm-chain'),
        opp('OPP-FIRST', 'crm-first'),
        opp('OPP-SECOND', 'crm-second'),
        // A broken integration sends the user id 'undefined' for everyone: a junk id merges nobody.
        { type: 'page', messageId: 'junk-land', anonymousId: 'anon-junk-a', userId: 'undefined', timestamp: iso(now - 20 * DAY), context: { page: { url: 'https://acme.example/?gclid=Gclid-Junk' }, consent: { ad_user_data: true } } },
        { ...opp('OPP-JUNK', 'undefined'), anonymousId: 'anon-junk-b' },
      ]);

      const model = sourceSql({ model: 'conversions', events: ['Opportunity Created'], lookbackDays: 90 }, w.warehouse, now + 1000);
      const rows = await w.rows(
        `SELECT conversion_id, gclid, person_id FROM (${model.sql}) AS m WHERE conversion_id IN ('opp-OPP-CHAIN', 'opp-OPP-FIRST', 'opp-OPP-JUNK', 'opp-OPP-SECOND') ORDER BY conversion_id`,
        model.params,
      );
      expect(rows.map((r) => [r['conversion_id'], r['gclid'] ?? null])).toEqual([
        ['opp-OPP-CHAIN', 'Gclid-Chain'],
        ['opp-OPP-FIRST', 'Gclid-Shared'],
        ['opp-OPP-JUNK', null],
        ['opp-OPP-SECOND', null],
      ]);
      // The model's person id is the identity views' person id (the MD5 of the person's root).
      const personOf = async (device: string) =>
        (await w.rows(`SELECT DISTINCT person_id FROM sessions WHERE device_id = '${device}'`)).map((r) => r['person_id']);
      expect(await personOf('anon-chain')).toEqual([rows[0]!['person_id']]);
      expect(await personOf('anon-shared')).toEqual([rows[1]!['person_id']]);
      expect(rows[3]!['person_id']).not.toBe(rows[1]!['person_id']);

      const e = testEngine(config(), w.warehouse);
      const run = await e.run('opportunities');
      expect(run, String(run.error)).toMatchObject({ status: 'succeeded', plannedAdd: 4 });
      const sent = (id: string) => google.accepted.map((a) => a.item as Record<string, unknown>).find((i) => i['transactionId'] === id);
      expect(sent('OPP-CHAIN')).toMatchObject({ transactionId: 'OPP-CHAIN', adIdentifiers: { gclid: 'Gclid-Chain' } });
      expect(sent('OPP-FIRST')).toMatchObject({ adIdentifiers: { gclid: 'Gclid-Shared' } });
      expect(JSON.stringify(sent('OPP-SECOND') ?? {})).not.toContain('Gclid-Shared');
      expect(JSON.stringify(sent('OPP-JUNK') ?? {})).not.toContain('Gclid-Junk');
      await e.close();
    });

    it('the conversions model takes clicks from arrivals only, and the first click as one event (type, id and time together)', async () => {
      const land = (id: string, anon: string, ago: number, url: string, extra: Record<string, unknown> = {}) =>
        ({ type: 'page', messageId: id, anonymousId: anon, timestamp: iso(now - ago), context: { page: { url }, consent: { ad_user_data: true } }, ...extra });
      await w.loadEvents([
        // two landings at the same instant: the first click is one of them, whole (ties break by message id)
        land('tie-b', 'anon-tie', 10 * DAY, 'https://acme.example/?fbclid=FB-tie'),
        land('tie-a', 'anon-tie', 10 * DAY, 'https://acme.example/?gclid=G-tie'),
        // a link-preview bot opened the shared URL first: not a click of this person
        land('bot-land', 'anon-tie', 11 * DAY, 'https://acme.example/?gclid=G-bot', { context: { page: { url: 'https://acme.example/?gclid=G-bot' }, userAgent: 'facebookexternalhit/1.1' } }),
        // the purchase page still carries the landing's gclid: a track there is no new click
        { type: 'track', messageId: 'tie-buy', anonymousId: 'anon-tie', event: 'Order Completed', timestamp: iso(now - DAY), context: { page: { url: 'https://acme.example/thanks?gclid=G-later' } }, properties: { value: 10, currency: 'EUR' } },
      ]);
      const model = sourceSql({ model: 'conversions', events: ['Order Completed'], lookbackDays: 90 }, w.warehouse, now + 1000);
      const [row] = await w.rows(`SELECT first_click_id_type, first_click_id, first_touch_at, gclid, click_time FROM (${model.sql}) AS m WHERE conversion_id = 'tie-buy'`, model.params);
      expect(row).toEqual({ first_click_id_type: 'gclid', first_click_id: 'G-tie', first_touch_at: iso(now - 10 * DAY), gclid: 'G-tie', click_time: iso(now - 10 * DAY) });
    });

    it('the conversions model applies the source\'s consent basis: tracker, contract, denied', async () => {
      // CRM-imported conversions: one person never seen by the tracker, one who refused consent in the browser.
      await w.loadEvents([
        { type: 'identify', messageId: 'basis-id-1', userId: 'crm-basis-1', timestamp: iso(now - 5 * DAY), traits: { email: 'buyer.one@example.com' } },
        { type: 'identify', messageId: 'basis-id-2', userId: 'crm-basis-2', timestamp: iso(now - 5 * DAY), traits: { email: 'buyer.two@example.com' }, context: { consent: { ad_user_data: false, ad_personalization: false } } },
        { type: 'track', messageId: 'basis-won-1', userId: 'crm-basis-1', event: 'Deal Won', timestamp: iso(now - DAY), properties: { opportunity_id: 'DEAL-1', value: 100, currency: 'USD' } },
        { type: 'track', messageId: 'basis-won-2', userId: 'crm-basis-2', event: 'Deal Won', timestamp: iso(now - DAY), properties: { opportunity_id: 'DEAL-2', value: 200, currency: 'USD' } },
      ]);
      const consentOf = async (basis: 'tracker' | 'contract' | 'denied') => {
        const model = sourceSql({ model: 'conversions', events: ['Deal Won'], lookbackDays: 90, consent: { basis } }, w.warehouse, now + 1000);
        return w.rows(`SELECT conversion_id, consent_ad_user_data AS u, consent_ad_personalization AS p FROM (${model.sql}) AS m ORDER BY conversion_id`, model.params);
      };
      expect(await consentOf('tracker')).toEqual([{ conversion_id: 'basis-won-1', u: null, p: null }, { conversion_id: 'basis-won-2', u: 'denied', p: 'denied' }]);
      // By contract a missing signal is granted; a recorded denial still wins.
      expect(await consentOf('contract')).toEqual([{ conversion_id: 'basis-won-1', u: 'granted', p: 'granted' }, { conversion_id: 'basis-won-2', u: 'denied', p: 'denied' }]);
      expect(await consentOf('denied')).toEqual([{ conversion_id: 'basis-won-1', u: 'denied', p: 'denied' }, { conversion_id: 'basis-won-2', u: 'denied', p: 'denied' }]);

      // Through a sync to Google: tracker refuses both, contract sends the first only; no SQL edited.
      const run = async (basis: 'tracker' | 'contract') => {
        const c = config();
        const e = testEngine({ ...c, syncs: { ...c.syncs, deals: { ...c.syncs['opportunities']!, source: { model: 'conversions', events: ['Deal Won'], lookbackDays: 90, consent: { basis } } } } }, w.warehouse);
        const r = await e.run('deals', { full: true });
        const codes = await w.rows(`SELECT pk, status, code FROM sync_row_results WHERE run_id = '${r.runId}' ORDER BY pk`);
        await e.close();
        return codes;
      };
      expect(await run('tracker')).toEqual([
        { pk: 'basis-won-1', status: 'rejected', code: 'CONSENT_MISSING' },
        { pk: 'basis-won-2', status: 'rejected', code: 'CONSENT_DENIED' },
      ]);
      // Data Manager answers with a request id: the row is `accepted` until its late verdict comes.
      expect(await run('contract')).toEqual([
        { pk: 'basis-won-1', status: 'accepted', code: null },
        { pk: 'basis-won-2', status: 'rejected', code: 'CONSENT_DENIED' },
      ]);
      expect(google.accepted.map((a) => (a.item as { transactionId?: string }).transactionId)).toContain('DEAL-1');
      expect(google.accepted.map((a) => (a.item as { transactionId?: string }).transactionId)).not.toContain('DEAL-2');
    });

    it('records awkward text in results and state as it was sent', async () => {
      const e = testEngine(
        config({ source: { sql: engine === 'duckdb' ? `SELECT 'q-1' AS uid, 'quote@example.com' AS email, 'it''s "x" \\ ü' AS uses` : `SELECT 'q-1' AS uid, 'quote@example.com' AS email, 'it\\'s "x" \\\\ ü' AS uses` }, mode: 'upsert' }),
        w.warehouse,
      );
      hubspot.reset();
      const run = await e.run('usage', { full: true });
      // HubSpot refuses a non-number for a number property; the refusal and the request are kept.
      // Its only row refused (100% > maxRefusedPercent 5%): the run says so.
      expect(run).toMatchObject({ status: 'partially_failed', rejected: 1 });
      const [r] = await w.rows(`SELECT request FROM sync_row_results WHERE run_id = '${run.runId}' AND pk = 'q-1'`);
      expect(JSON.parse(String(r!['request']))).toMatchObject({ properties: { feature_x_uses: 'it\'s "x" \\ ü' } });
      await e.close();
    });
  });
}
