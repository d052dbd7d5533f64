import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createTokenProvider,
  deliver,
  googleDataManager,
  googleOAuth,
  salesforce,
  salesforceJwtGrant,
  type FetchLike,
  type Row,
} from '@touchline/destinations';
import {
  startGoogleDataManagerStandIn,
  startGoogleOAuthStandIn,
  startSalesforceOAuthStandIn,
  startSalesforceStandIn,
  type OAuthStandIn,
  type StandIn,
} from '@touchline/destinations/testing';

const HOUR = 3_600_000;
const net: FetchLike = (u, i) => fetch(u, i);
const manualClock = (t = Date.UTC(2026, 10, 25, 12)) => ({ t, now() { return this.t; } });
const closers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c.close()));
});
const keep = <T extends { close(): Promise<void> }>(x: T): T => (closers.push(x), x);

/** Google's token endpoint, the Data Manager API accepting only the tokens it mints, a provider. */
async function googleSetup(o: { delayMs?: number } = {}) {
  const clock = manualClock();
  const oauth = keep(await startGoogleOAuthStandIn({ clock, ...(o.delayMs ? { delayMs: o.delayMs } : {}) }));
  const api = keep(await startGoogleDataManagerStandIn({ clock, tokens: oauth.authority }));
  const provider = createTokenProvider({
    grant: googleOAuth({ clientId: 'client-id', clientSecret: 'client-secret', tokenUrl: `${oauth.url}/token` }).refreshGrant({ fetch: net, clock }),
    clock,
    refreshToken: oauth.issueRefreshToken(),
  });
  const config = googleDataManager.configSchema.parse({ endpoint: api.url, operatingAccountId: '1234567890', conversionActionId: '987654321' });
  const row = (i: number, at = clock.t): Row => ({
    gclid: `Cj0-${i}`, transaction_id: `ORD-${i}`, conversion_time: new Date(at - HOUR).toISOString(), consent_ad_user_data: true,
  });
  const send = (rows: Row[]) => deliver(googleDataManager, rows, { config, fetch: net, clock, auth: provider });
  return { clock, oauth, api, provider, row, send };
}

const statuses = (api: StandIn) => api.requests.map((r) => r.status);

describe('token refresh with real destinations', () => {
  it('under concurrency: 40 sends at once share one refresh', async () => {
    const g = await googleSetup({ delayMs: 30 });
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => g.send([g.row(i)])));
    expect(results.flat().every((r) => r.status === 'delivered')).toBe(true);
    expect(g.oauth.refreshes).toBe(1);
    expect(g.api.requests).toHaveLength(40);
  });

  it('a token revoked mid-run: the 401 refreshes once, the batch goes again, every row counted once', async () => {
    const g = await googleSetup();
    const results: string[] = [];
    for (let i = 0; i < 6; i++) {
      if (i === 3) g.oauth.expireAccessTokens();
      results.push(...(await g.send([g.row(i)])).map((r) => r.status));
    }
    expect(results).toEqual(Array(6).fill('delivered'));
    expect(statuses(g.api)).toEqual([200, 200, 200, 401, 200, 200, 200]);
    expect(g.oauth.refreshes).toBe(2);
    for (let i = 0; i < 6; i++) expect(g.api.count(`ORD-${i}`)).toBe(1);
  });

  it('expiry mid-run by the clock: refreshed before it ends, so the API never answers 401', async () => {
    const g = await googleSetup();
    for (let i = 0; i < 8; i++) {
      const [r] = await g.send([g.row(i)]);
      expect(r!.status).toBe('delivered');
      g.clock.t += 20 * 60_000;
    }
    expect(statuses(g.api).every((s) => s === 200)).toBe(true);
    expect(g.oauth.refreshes).toBe(3); // 0 h, ~0.95 h, ~1.9 h across a 2h40 run of 1-hour tokens
  });

  it('many sends refused at once for one expired token: one refresh, not one per request', async () => {
    const g = await googleSetup({ delayMs: 20 });
    await g.send([g.row(0)]);
    g.oauth.expireAccessTokens();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => g.send([g.row(100 + i)])));
    expect(results.flat().every((r) => r.status === 'delivered')).toBe(true);
    expect(g.oauth.refreshes).toBe(2);
    expect(statuses(g.api).filter((s) => s === 401)).toHaveLength(20); // each refused once, none twice
  });

  it('a grant that dies mid-run: rows say RECONNECT_REQUIRED (the API answer was a 401), and later sends call nobody', async () => {
    const g = await googleSetup();
    expect((await g.send([g.row(0)]))[0]!.status).toBe('delivered');
    g.oauth.revoke();
    g.oauth.expireAccessTokens();
    const [dead] = await g.send([g.row(1)]);
    expect(dead).toMatchObject({ status: 'rejected', code: 'RECONNECT_REQUIRED', answer: { httpStatus: 401 } });
    expect(dead!.reason).toMatch(/reconnect this destination/);
    expect(g.provider.state().status).toBe('needs_reauth');
    const apiCalls = g.api.requests.length;
    const tokenCalls = g.oauth.requests.length;
    const [later] = await g.send([g.row(2)]);
    expect(later).toMatchObject({ status: 'rejected', code: 'RECONNECT_REQUIRED' });
    expect(g.api.requests.length).toBe(apiCalls);
    expect(g.oauth.requests.length).toBe(tokenCalls);
    expect(g.api.count('ORD-1')).toBe(0);
  });
});

describe('Salesforce JWT bearer flow', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const USER = 'integration@acme.example';

  /** The org's instance accepts only tokens its login host minted; the login host names the instance. */
  async function setup(username: string) {
    const clock = manualClock();
    let oauth: OAuthStandIn | undefined;
    const instance = keep(await startSalesforceStandIn({ clock, tokens: { check: (t) => oauth?.authority.check(t) ?? 'unknown' } }));
    oauth = keep(await startSalesforceOAuthStandIn({ clock, accessLifetimeS: 2 * 3600, instanceUrl: instance.url, jwt: { publicKey, username: USER, audience: 'https://login.salesforce.com' } }));
    const grant = salesforceJwtGrant({ clientId: 'client-id', username, privateKey: pem, tokenUrl: `${oauth.url}/services/oauth2/token` }, { fetch: net, clock });
    const provider = createTokenProvider({ grant, clock });
    // The configured endpoint is a placeholder: Salesforce's token answer says where to go.
    const config = salesforce.configSchema.parse({ endpoint: 'https://login-placeholder.invalid', externalIdField: 'Touchline_Id__c', externalIdColumn: 'id', fields: { last_name: 'LastName', company: 'Company' } });
    const send = (rows: Row[]) => deliver(salesforce, rows, { config, fetch: net, clock, auth: provider });
    return { clock, instance, oauth, provider, send };
  }

  it('signs an assertion with node:crypto, calls the instance the token names, and re-signs after INVALID_SESSION_ID', async () => {
    const s = await setup(USER);
    expect((await s.send([{ id: 'P1', last_name: 'Lovelace', company: 'AE' }]))[0]!.status).toBe('delivered');
    const assertion = String((s.oauth.requests[0]!.body as Record<string, string>)['assertion']);
    const claims = JSON.parse(Buffer.from(assertion.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ iss: 'client-id', sub: USER, aud: 'https://login.salesforce.com' });
    expect(claims['exp']).toBe(Math.floor(s.clock.t / 1000) + 180);
    s.oauth.expireAccessTokens(); // the org's session timeout: Salesforce announces no expires_in
    expect((await s.send([{ id: 'P2', last_name: 'Hopper', company: 'Navy' }]))[0]!.status).toBe('delivered');
    expect(statuses(s.instance)).toEqual([200, 401, 200]);
    expect(s.oauth.refreshes).toBe(2);
    expect(s.instance.records.get('Lead:P2')).toMatchObject({ LastName: 'Hopper' });
  });

  it('an integration user that is not pre-approved is a setting to fix, not a reconnect', async () => {
    const s = await setup('someone-else@acme.example');
    const [r] = await s.send([{ id: 'P1', last_name: 'Lovelace', company: 'AE' }]);
    expect(r).toMatchObject({ status: 'rejected', code: 'AUTH_MISCONFIGURED', answer: { httpStatus: 400 } });
    expect(r!.reason).toMatch(/hasn't approved this consumer/);
    expect(s.provider.state().status).toBe('misconfigured');
    expect(s.instance.requests).toHaveLength(0);
  });
});
