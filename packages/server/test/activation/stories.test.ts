import { sha256Hex } from '@touchline/destinations';
import {
  startGoogleDataManagerStandIn,
  startHubspotStandIn,
  startSalesforceStandIn,
  type GoogleDataManagerStandIn,
  type HubspotStandIn,
  type SalesforceStandIn,
} from '@touchline/destinations/testing';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFile } from '../../src/cli/commands/import.js';
import { main } from '../../src/cli/main.js';
import { resolveConfig, type Config } from '../../src/config/config.js';
import { startTouchline } from '../../src/server.js';
import { openWarehouse } from '../../src/warehouse/open-warehouse.js';

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
const SAFARI = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15';

/** Sends browser-side events to a Touchline in process, then stops it (the loader loads them). */
async function collect(config: Config, events: readonly Record<string, unknown>[], headers: Record<string, string> = {}): Promise<void> {
  const t = await startTouchline(config, { listen: false, log: () => undefined });
  try {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: 'Basic ' + Buffer.from(t.writeKey + ':').toString('base64'), 'content-type': 'application/json', 'user-agent': SAFARI, ...headers },
      payload: { batch: events },
    });
    expect(res.statusCode).toBe(200);
  } finally {
    await t.close();
  }
}

async function cli(configFile: string, ...args: string[]): Promise<{ code: number; output: string }> {
  const lines: string[] = [];
  const code = await main([...args, '--config', configFile, '--no-progress'], (s) => lines.push(s));
  return { code, output: lines.join('\n') };
}

async function sql(config: Config, query: string): Promise<Record<string, unknown>[]> {
  const w = await openWarehouse(config.warehouse, config.dataDir, { readOnly: true });
  try {
    const r = await w.query(query);
    return r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i]])));
  } finally {
    await w.close();
  }
}

describe('story 1: an opportunity from the CRM goes to Google Ads with the first-touch gclid', () => {
  let dir: string;
  let google: GoogleDataManagerStandIn;
  let config: Config;
  let configFile: string;
  const now = Date.now();
  const clickAt = now - 75 * DAY;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'touchline-story1-'));
    google = await startGoogleDataManagerStandIn();
    google.registerClick('Cj0KCQiA-ada-click', clickAt);
    const raw = {
      dataDir: join(dir, 'data'),
      destinations: {
        'google-ads': {
          type: 'google-data-manager',
          config: { endpoint: google.url, accessToken: 'test-token', operatingAccountId: '1234567890', conversionActionId: '987654321', defaultCurrency: 'USD' },
        },
      },
      syncs: {
        'opportunities-to-google': {
          destination: 'google-ads',
          source: { model: 'conversions', events: ['Opportunity Created'] },
          primaryKey: 'conversion_id',
          mode: 'insert',
        },
      },
    };
    configFile = join(dir, 'touchline.config.json');
    await writeFile(configFile, JSON.stringify(raw));
    config = resolveConfig(raw, {}, {});

    // Months earlier: Ada lands from a Google Ads click and accepts ad consent; later she signs up.
    // Bob lands from a click too but refuses ad consent; Cy's browser sends Global Privacy Control.
    await collect(config, [
      { type: 'page', messageId: 'ada-landing', anonymousId: 'anon-ada', timestamp: iso(clickAt), context: { page: { url: 'https://acme.example/pricing?gclid=Cj0KCQiA-ada-click' }, consent: { ad_user_data: true, ad_personalization: true } } },
      { type: 'identify', messageId: 'ada-signup', anonymousId: 'anon-ada', userId: 'crm-ada', timestamp: iso(clickAt + DAY), traits: { email: 'Ada.Lovelace@Example.com' } },
      { type: 'page', messageId: 'bob-landing', anonymousId: 'anon-bob', timestamp: iso(clickAt), context: { page: { url: 'https://acme.example/?gclid=Cj0KCQiA-bob-click' }, consent: { ad_user_data: false } } },
      { type: 'identify', messageId: 'bob-signup', anonymousId: 'anon-bob', userId: 'crm-bob', timestamp: iso(clickAt + DAY), traits: { email: 'bob@example.com' } },
    ]);
    await collect(config, [
      { type: 'page', messageId: 'cy-landing', anonymousId: 'anon-cy', timestamp: iso(clickAt), context: { page: { url: 'https://acme.example/?gclid=Cj0KCQiA-cy-click' }, consent: { ad_user_data: true } } },
      { type: 'identify', messageId: 'cy-signup', anonymousId: 'anon-cy', userId: 'crm-cy', timestamp: iso(clickAt + DAY), traits: { email: 'cy@example.com' } },
    ], { 'sec-gpc': '1' });

    // Today: the CRM export, imported with `touchline import`.
    const crm = join(dir, 'opportunities.ndjson');
    const opp = (who: string, id: string, value: number) =>
      JSON.stringify({ type: 'track', messageId: `crm-${id}`, userId: who, event: 'Opportunity Created', timestamp: iso(now - 2 * DAY), properties: { opportunity_id: id, value, currency: 'USD' } });
    await writeFile(crm, [opp('crm-ada', 'OPP-1001', 48000), opp('crm-bob', 'OPP-1002', 9000), opp('crm-cy', 'OPP-1003', 7000)].join('\n') + '\n');
    const imported = await importFile(config, crm, { progress: false });
    expect(imported).toMatchObject({ lines: 3, accepted: 3, quarantined: 0 });
  });

  afterAll(async () => {
    await google.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('uploads the opportunity with the gclid, the value and Google-hashed email; consent and GPC hold the others back', async () => {
    const run = await cli(configFile, 'sync', 'run', 'opportunities-to-google');
    expect(run.output).toContain('sync opportunities-to-google: succeeded');
    expect(run.output).toContain('3 new, 0 changed, 0 removed -> 1 delivered, 2 refused, 0 failed, 1 request(s)');
    expect(run.code).toBe(0);

    expect(google.accepted).toHaveLength(1);
    const event = google.accepted[0]!.item as Record<string, unknown>;
    expect(event).toMatchObject({
      transactionId: 'OPP-1001',
      adIdentifiers: { gclid: 'Cj0KCQiA-ada-click' },
      conversionValue: 48000,
      currency: 'USD',
      eventTimestamp: iso(now - 2 * DAY).replace('.000Z', 'Z'),
      consent: { adUserData: 'CONSENT_GRANTED', adPersonalization: 'CONSENT_GRANTED' },
      userData: { userIdentifiers: [{ emailAddress: sha256Hex('ada.lovelace@example.com') }] },
    });
    expect(google.count('OPP-1001')).toBe(1);
    expect(google.received('OPP-1002') + google.received('OPP-1003')).toBe(0);

    const refused = await sql(config, `SELECT pk, code, request FROM sync_row_results WHERE status = 'rejected' ORDER BY pk`);
    expect(refused).toEqual([
      { pk: 'crm-OPP-1002', code: 'CONSENT_DENIED', request: null },
      { pk: 'crm-OPP-1003', code: 'GPC_OPT_OUT', request: null },
    ]);
  });

  it('sends nothing the second time, and shows the run in the history', async () => {
    const again = await cli(configFile, 'sync', 'run', 'opportunities-to-google');
    expect(again.output).toContain('0 new, 0 changed, 0 removed -> 0 delivered');
    expect(google.requests.filter((r) => r.status === 200)).toHaveLength(1);
    const history = await cli(configFile, 'sync', 'history', 'opportunities-to-google');
    expect(history.output.split('\n').filter((l) => l.includes('succeeded'))).toHaveLength(2);
    const list = await cli(configFile, 'sync', 'list');
    expect(list.output).toMatch(/opportunities-to-google \| google-ads \(google-data-manager\) \| insert\s+\| manual\s+\| 1 .*\| succeeded/);
  });
});

describe('story 2: "Feature X used 5 times" lands on the Salesforce Lead and the HubSpot contact', () => {
  let dir: string;
  let salesforce: SalesforceStandIn;
  let hubspot: HubspotStandIn;
  let config: Config;
  let configFile: string;
  const now = Date.now();
  const usage = `
    SELECT u.user_id AS user_id, u.email AS email, u.last_name AS last_name, u.company AS company,
           coalesce(f.uses, 0) AS feature_x_uses
    FROM (SELECT user_id,
                 arg_max(json_extract_string(traits, '$.email'), "timestamp") AS email,
                 arg_max(json_extract_string(traits, '$.lastName'), "timestamp") AS last_name,
                 arg_max(json_extract_string(traits, '$.company'), "timestamp") AS company
          FROM events WHERE type = 'identify' GROUP BY user_id) u
    LEFT JOIN (SELECT user_id, count(*) AS uses FROM events WHERE event = 'Feature X Used' GROUP BY user_id) f
      ON f.user_id = u.user_id`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'touchline-story2-'));
    salesforce = await startSalesforceStandIn();
    hubspot = await startHubspotStandIn();
    const raw = {
      dataDir: join(dir, 'data'),
      destinations: {
        sf: {
          type: 'salesforce',
          config: {
            endpoint: salesforce.url, accessToken: 'test-token', sobject: 'Lead', externalIdField: 'Touchline_Id__c', externalIdColumn: 'user_id',
            fields: { email: 'Email', last_name: 'LastName', company: 'Company', feature_x_uses: 'Feature_X_Uses__c' },
          },
        },
        hs: { type: 'hubspot', config: { endpoint: hubspot.url, accessToken: 'test-token', properties: { feature_x_uses: 'feature_x_uses' } } },
      },
      syncs: {
        'usage-to-salesforce': { destination: 'sf', source: { sql: usage }, primaryKey: 'user_id', mode: 'upsert' },
        'usage-to-hubspot': { destination: 'hs', source: { sql: usage }, primaryKey: 'user_id', mapping: { email: 'email', feature_x_uses: 'feature_x_uses' }, mode: 'upsert' },
      },
    };
    configFile = join(dir, 'touchline.config.json');
    await writeFile(configFile, JSON.stringify(raw));
    config = resolveConfig(raw, {}, {});
    const used = (n: number, who: string) =>
      Array.from({ length: n }, (_, i) => ({ type: 'track', messageId: `${who}-fx-${i}`, userId: who, event: 'Feature X Used', timestamp: iso(now - (10 - i) * 60_000) }));
    await collect(config, [
      { type: 'identify', messageId: 'grace-id', userId: 'u-42', timestamp: iso(now - DAY), traits: { email: 'grace@navy.example', lastName: 'Hopper', company: 'Navy' } },
      { type: 'identify', messageId: 'alan-id', userId: 'u-43', timestamp: iso(now - DAY), traits: { email: 'alan@bletchley.example', lastName: 'Turing', company: 'Bletchley' } },
      ...used(5, 'u-42'),
      ...used(2, 'u-43'),
      { type: 'track', messageId: 'grace-other', userId: 'u-42', event: 'Feature Y Used', timestamp: iso(now - 60_000) },
    ]);
  });

  afterAll(async () => {
    await salesforce.close();
    await hubspot.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('computes the count from product events and upserts it to both CRMs', async () => {
    expect((await cli(configFile, 'sync', 'run', 'usage-to-salesforce')).code).toBe(0);
    expect((await cli(configFile, 'sync', 'run', 'usage-to-hubspot')).code).toBe(0);
    expect(salesforce.records.get('Lead:u-42')).toMatchObject({ Touchline_Id__c: 'u-42', Feature_X_Uses__c: 5, Email: 'grace@navy.example', LastName: 'Hopper', Company: 'Navy' });
    expect(salesforce.records.get('Lead:u-43')).toMatchObject({ Feature_X_Uses__c: 2 });
    expect(hubspot.contacts.get('email:grace@navy.example')).toMatchObject({ feature_x_uses: '5' });
    expect(hubspot.contacts.get('email:alan@bletchley.example')).toMatchObject({ feature_x_uses: '2' });
  });

  it('a sixth use updates only that person, on both', async () => {
    await collect(config, [{ type: 'track', messageId: 'u-42-fx-5', userId: 'u-42', event: 'Feature X Used', timestamp: iso(now) }]);
    const sfBefore = salesforce.requests.length;
    const hsBefore = hubspot.requests.length;
    const dry = await cli(configFile, 'sync', 'dry-run', 'usage-to-salesforce');
    expect(dry.output).toContain('diff: 0 new, 1 changed, 0 to clear');
    expect(dry.output).toContain('feature_x_uses: 5 -> 6');
    expect(dry.output).toContain('PATCH ' + salesforce.url + '/services/data/v62.0/composite/sobjects/Lead/Touchline_Id__c');
    expect(salesforce.requests.length).toBe(sfBefore);
    expect((await cli(configFile, 'sync', 'run', 'usage-to-salesforce')).output).toContain('0 new, 1 changed, 0 removed -> 1 delivered');
    expect((await cli(configFile, 'sync', 'run', 'usage-to-hubspot')).output).toContain('0 new, 1 changed, 0 removed -> 1 delivered');
    expect(salesforce.requests.slice(sfBefore)).toHaveLength(1);
    expect(hubspot.requests.slice(hsBefore)).toHaveLength(1);
    expect(salesforce.records.get('Lead:u-42')).toMatchObject({ Feature_X_Uses__c: 6 });
    expect(hubspot.contacts.get('email:grace@navy.example')).toMatchObject({ feature_x_uses: '6' });
    expect(salesforce.count('Lead:u-42')).toBe(1);
  });
});
