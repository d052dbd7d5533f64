import {
  startGoogleDataManagerStandIn,
  startMetaCapiStandIn,
  startSalesforceStandIn,
  type GoogleDataManagerStandIn,
  type SalesforceStandIn,
  type StandIn,
} from '@touchline/destinations/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activationConfig, duckWarehouse, FAST_RETRY, testEngine, type TestWarehouse } from './support.js';

const HOUR = 3_600_000;
const ts = (ms: number) => new Date(ms).toISOString();

describe('sync engine against each vendor\'s way of failing', () => {
  let w: TestWarehouse;
  let salesforce: SalesforceStandIn;
  let google: GoogleDataManagerStandIn;
  let meta: StandIn;
  const now = Date.now();

  beforeAll(async () => {
    w = await duckWarehouse();
    salesforce = await startSalesforceStandIn();
    google = await startGoogleDataManagerStandIn();
    meta = await startMetaCapiStandIn({ pixelId: '777' });
    await w.exec(`CREATE TABLE leads AS SELECT 'L-' || i AS id, 'Surname' || i AS last_name, 'Co' || i AS company,
      CASE WHEN i = 3 THEN 'not-an-email' ELSE 'lead' || i || '@example.com' END AS email FROM range(30) r(i)`);
    await w.exec(`CREATE TABLE conversions AS SELECT 'T-' || i AS transaction_id, 'gclid-' || i AS gclid,
      TIMESTAMPTZ '${ts(now - 5 * HOUR)}' AS conversion_time, 10.0 * i AS conversion_value, 'EUR' AS currency,
      'granted' AS consent_ad_user_data FROM range(30) r(i)`);
    await w.exec(`CREATE TABLE purchases AS SELECT 'E-' || i AS event_id, TIMESTAMPTZ '${ts(now - HOUR)}' AS event_time, 5.0 + i AS value,
      'USD' AS currency, 'buyer' || i || '@example.com' AS email, 'https://shop.example/thanks' AS event_source_url,
      'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0' AS client_user_agent, 'granted' AS consent_ad_user_data FROM range(40) r(i)`);
  });
  afterAll(async () => {
    await salesforce.close();
    await google.close();
    await meta.close();
    await w.dispose();
  });

  const config = () =>
    activationConfig({
      destinations: {
        sf: {
          type: 'salesforce',
          config: {
            endpoint: salesforce.url, accessToken: 'test-token', sobject: 'Lead', externalIdField: 'Touchline_Id__c', externalIdColumn: 'id',
            fields: { last_name: 'LastName', company: 'Company', email: 'Email' },
          },
        },
        google: { type: 'google-data-manager', config: { endpoint: google.url, accessToken: 'test-token', operatingAccountId: '1234567890', conversionActionId: '55' } },
        meta: { type: 'meta-capi', config: { endpoint: meta.url, accessToken: 'test-token', pixelId: '777' } },
      },
      syncs: {
        leads: { destination: 'sf', source: { sql: 'SELECT * FROM leads' }, primaryKey: 'id', mode: 'upsert', retry: FAST_RETRY },
        mirrored: { destination: 'sf', source: { sql: 'SELECT * FROM mirrored_leads' }, primaryKey: 'id', mode: 'mirror', retry: FAST_RETRY },
        conversions: { destination: 'google', source: { sql: 'SELECT * FROM conversions' }, primaryKey: 'transaction_id', mode: 'insert', retry: FAST_RETRY },
        purchases: { destination: 'meta', source: { sql: 'SELECT * FROM purchases' }, primaryKey: 'event_id', mode: 'insert', retry: FAST_RETRY },
      },
    });

  it('Salesforce: per-record failures in a 200 answer map to their rows; a locked row is retried', async () => {
    salesforce.script({ partial: [7], code: 'UNABLE_TO_LOCK_ROW' });
    const engine = testEngine(config(), w.warehouse);
    const run = await engine.run('leads');
    expect(run).toMatchObject({ status: 'succeeded', delivered: 29, rejected: 1 });
    const [bad] = await w.rows(`SELECT pk, code, vendor_code, field, reason FROM sync_row_results WHERE run_id = '${run.runId}' AND status = 'rejected'`);
    expect(bad).toMatchObject({ pk: 'L-3', code: 'VENDOR_REFUSED', vendor_code: 'INVALID_EMAIL_ADDRESS', field: 'email' });
    expect(String(bad!['reason'])).toContain('on Email (row column email)');
    // The 8th record of the request (rows go in key order: L-0, L-1, L-10, ...) was locked.
    const lockedPk = [...Array(30).keys()].map((i) => `L-${i}`).sort()[7]!;
    const locked = await w.rows(`SELECT status, attempt, code, vendor_code FROM sync_row_results WHERE run_id = '${run.runId}' AND pk = '${lockedPk}' ORDER BY attempt`);
    expect(locked).toEqual([
      { status: 'retrying', attempt: 1, code: 'VENDOR_UNAVAILABLE', vendor_code: 'UNABLE_TO_LOCK_ROW' },
      { status: 'delivered', attempt: 2, code: null, vendor_code: null },
    ]);
    expect(salesforce.records.get(`Lead:${lockedPk}`)).toMatchObject({ LastName: `Surname${lockedPk.slice(2)}` });
    expect(salesforce.count(`Lead:${lockedPk}`)).toBe(1);
    await engine.close();
  });

  it('Salesforce: a mirror sync deletes by external id the records whose rows left the source', async () => {
    await w.exec(`CREATE TABLE mirrored_leads AS SELECT 'M-' || i AS id, 'Mirror' || i AS last_name, 'Co' AS company, 'm' || i || '@example.com' AS email FROM range(20) r(i)`);
    const engine = testEngine(config(), w.warehouse);
    expect(await engine.run('mirrored')).toMatchObject({ status: 'succeeded', delivered: 20 });
    await w.exec(`DELETE FROM mirrored_leads WHERE id IN ('M-1', 'M-3')`);
    const report = await engine.dryRun('mirrored');
    expect(report.requests.map((r) => [r.method, r.url])).toEqual([
      ['DELETE', `${salesforce.url}/services/data/v62.0/sobjects/Lead/Touchline_Id__c/M-1`],
      ['DELETE', `${salesforce.url}/services/data/v62.0/sobjects/Lead/Touchline_Id__c/M-3`],
    ]);
    expect(salesforce.records.has('Lead:M-1')).toBe(true);

    const before = salesforce.requests.length;
    const run = await engine.run('mirrored');
    expect(run).toMatchObject({ status: 'succeeded', plannedRemove: 2, delivered: 2, rejected: 0 });
    expect(salesforce.requests.slice(before).map((r) => [r.method, r.path, r.status])).toEqual([
      ['DELETE', '/services/data/v62.0/sobjects/Lead/Touchline_Id__c/M-1', 204],
      ['DELETE', '/services/data/v62.0/sobjects/Lead/Touchline_Id__c/M-3', 204],
    ]);
    const left = [...salesforce.records.keys()].filter((k) => k.startsWith('Lead:M-'));
    expect(left).toHaveLength(18);
    expect(left).not.toContain('Lead:M-1');
    expect(left).not.toContain('Lead:M-3');
    const results = await w.rows(`SELECT pk, op, status, request FROM sync_row_results WHERE run_id = '${run.runId}' ORDER BY pk`);
    expect(results.map((r) => [r['pk'], r['op'], r['status']])).toEqual([['M-1', 'remove', 'delivered'], ['M-3', 'remove', 'delivered']]);
    expect(JSON.parse(String(results[0]!['request']))).toEqual({ delete: { type: 'Lead', externalIdField: 'Touchline_Id__c', externalId: 'M-1' } });
    // Removed rows leave the state: nothing more to delete.
    expect(await engine.run('mirrored')).toMatchObject({ plannedRemove: 0, delivered: 0 });
    await engine.close();
  });

  it('Salesforce stand-in: a delete by a field that is not an external id is refused, and the row with it', async () => {
    const del = (path: string, body?: string) =>
      fetch(`${salesforce.url}${path}`, { method: 'DELETE', headers: { authorization: 'Bearer test-token', ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body } : {}) });
    const wrongField = await del('/services/data/v62.0/sobjects/Lead/LastName/Surname1');
    expect(wrongField.status).toBe(404);
    expect(await wrongField.json()).toEqual([{ errorCode: 'NOT_FOUND', message: 'Provided external ID field does not exist or is not accessible: LastName' }]);
    expect((await del('/services/data/v62.0/sobjects/Lead/Touchline_Id__c/L-1', '{"x":1}')).status).toBe(400);
    expect((await del('/services/data/v62.0/sobjects/Lead/Touchline_Id__c/no-such-lead')).status).toBe(404);
    const { salesforce: destination } = await import('@touchline/destinations');
    const cfg = destination.configSchema.parse({ endpoint: salesforce.url, accessToken: 'test-token', externalIdField: 'LastName', externalIdColumn: 'id' });
    const m = destination.map({ id: 'Surname2' }, cfg, { now: 0, op: 'remove' });
    if (!m.ok) throw new Error('map refused a removal with an id');
    const [result] = await destination.send([{ ref: 0, ...m.item }], { config: cfg, fetch, clock: { now: () => 0 } });
    expect(result).toMatchObject({ status: 'rejected', code: 'NOT_FOUND' });
    expect(salesforce.records.has('Lead:Surname2')).toBe(false);
  });

  it('Google: test mode sends validateOnly and records nothing; the fast-fail names the bad row, the rest go', async () => {
    // Google knows this click happened after the conversion: it refuses the whole request, naming the event.
    google.registerClick('gclid-12', now - HOUR);
    const engine = testEngine(config(), w.warehouse);
    const test = await engine.run('conversions', { test: true });
    expect(test).toMatchObject({ kind: 'test', status: 'succeeded', delivered: 29, rejected: 1 });
    expect(google.testItems).toHaveLength(29);
    expect(google.accepted).toHaveLength(0);
    expect((google.requests[0]!.body as { validateOnly: boolean }).validateOnly).toBe(true);

    const run = await engine.run('conversions');
    expect(run).toMatchObject({ kind: 'run', status: 'succeeded', plannedAdd: 30, delivered: 29, rejected: 1 });
    const [bad] = await w.rows(`SELECT pk, code, vendor_code FROM sync_row_results WHERE run_id = '${run.runId}' AND status = 'rejected'`);
    expect(bad).toEqual({ pk: 'T-12', code: 'VENDOR_REFUSED', vendor_code: 'CONVERSION_PRECEDES_EVENT' });
    for (let i = 0; i < 30; i++) expect(google.count(`T-${i}`)).toBe(i === 12 ? 0 : 1);
    await engine.close();
  });

  it('Meta: test_event_code in test mode; a refused batch is halved until the rows go', async () => {
    const engine = testEngine(config(), w.warehouse);
    const test = await engine.run('purchases', { test: 'TEST4242' });
    expect(test).toMatchObject({ kind: 'test', status: 'succeeded', delivered: 40 });
    expect(meta.testItems).toHaveLength(40);
    expect((meta.requests[0]!.body as { test_event_code?: string }).test_event_code).toBe('TEST4242');

    // Meta refuses a whole batch for one bad event without saying which (§2.2).
    meta.script({ partial: [0] });
    const before = meta.requests.length;
    const run = await engine.run('purchases');
    expect(run).toMatchObject({ status: 'succeeded', delivered: 40 });
    const sizes = meta.requests.slice(before).map((r) => ({ status: r.status, n: (r.body as { data: unknown[] }).data.length }));
    expect(sizes).toEqual([{ status: 400, n: 40 }, { status: 200, n: 20 }, { status: 200, n: 20 }]);
    for (let i = 0; i < 40; i++) expect(meta.count(`Purchase:E-${i}`)).toBe(1);
    const isolating = await w.rows(`SELECT count(*) AS n FROM sync_row_results WHERE run_id = '${run.runId}' AND status = 'isolating'`);
    expect(isolating).toEqual([{ n: 40 }]);
    await engine.close();
  });
});
