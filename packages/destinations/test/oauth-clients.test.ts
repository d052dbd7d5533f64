import { afterEach, describe, expect, it } from 'vitest';
import {
  createPkce,
  createTokenProvider,
  googleOAuth,
  hubspotOAuth,
  linkedinOAuth,
  microsoftOAuth,
  OAUTH_SCOPES,
  salesforceOAuth,
  scopesFor,
  type FetchLike,
} from '@touchline/destinations';
import {
  startGoogleOAuthStandIn,
  startHubspotOAuthStandIn,
  startLinkedinOAuthStandIn,
  startMicrosoftOAuthStandIn,
  type OAuthStandIn,
} from '@touchline/destinations/testing';

const DAY = 86_400_000;
const net: FetchLike = (u, i) => fetch(u, i);
const manualClock = (t = Date.UTC(2026, 10, 25, 12)) => ({ t, now() { return this.t; } });
const app = (standIn: OAuthStandIn, path: string) => ({ clientId: 'client-id', clientSecret: 'client-secret', tokenUrl: `${standIn.url}${path}` });
const REDIRECT = 'https://touchline.example/admin/oauth/callback';
const open: OAuthStandIn[] = [];
const started = async (p: Promise<OAuthStandIn>) => {
  const s = await p;
  open.push(s);
  return s;
};
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

describe('authorization URLs', () => {
  const pkce = createPkce(() => Buffer.alloc(32, 7));
  const query = (u: string) => Object.fromEntries(new URL(u).searchParams);

  it('Google asks for offline access and both the Data Manager and Ads (reporting) scopes', () => {
    const u = googleOAuth({ clientId: 'cid' }).authorizationUrl({ redirectUri: REDIRECT, scopes: scopesFor('google', ['activation', 'reporting']), state: 's-1', pkce });
    expect(u.startsWith('https://accounts.google.com/o/oauth2/v2/auth?')).toBe(true);
    expect(query(u)).toMatchObject({
      response_type: 'code', client_id: 'cid', redirect_uri: REDIRECT, state: 's-1', access_type: 'offline', prompt: 'consent',
      scope: `${OAUTH_SCOPES.google.dataManager} ${OAUTH_SCOPES.google.ads}`, code_challenge: pkce.challenge, code_challenge_method: 'S256',
    });
  });

  it('LinkedIn, Microsoft, HubSpot and Salesforce carry their hosts and the reporting scopes issue 17 needs', () => {
    const li = linkedinOAuth({ clientId: 'cid' }).authorizationUrl({ redirectUri: REDIRECT, scopes: scopesFor('linkedin', ['activation', 'reporting']), state: 's' });
    expect(li.startsWith('https://www.linkedin.com/oauth/v2/authorization?')).toBe(true);
    expect(query(li)['scope']).toBe('rw_conversions r_ads r_ads_reporting');
    const ms = microsoftOAuth({ clientId: 'cid', tenant: 'contoso.onmicrosoft.com' }).authorizationUrl({ redirectUri: REDIRECT, scopes: scopesFor('microsoft', ['reporting']), state: 's' });
    expect(ms.startsWith('https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize?')).toBe(true);
    expect(query(ms)).toMatchObject({ scope: 'https://ads.microsoft.com/msads.manage offline_access', response_mode: 'query' });
    const hs = hubspotOAuth({ clientId: 'cid' }).authorizationUrl({ redirectUri: REDIRECT, scopes: scopesFor('hubspot'), state: 's' });
    expect(query(hs)['scope']).toContain('crm.objects.contacts.write');
    const sf = salesforceOAuth({ clientId: 'cid', loginUrl: 'https://test.salesforce.com/' }).authorizationUrl({ redirectUri: REDIRECT, scopes: scopesFor('salesforce'), state: 's' });
    expect(sf.startsWith('https://test.salesforce.com/services/oauth2/authorize?')).toBe(true);
    expect(query(sf)['scope']).toBe('api refresh_token');
  });

  it('encodes hostile values instead of letting them change the URL, and refuses a missing state', () => {
    const u = googleOAuth({ clientId: 'cid&evil=1' }).authorizationUrl({ redirectUri: 'https://x.example/cb?a=1#frag', scopes: ['a b'], state: 's&t=2' });
    expect(query(u)).toMatchObject({ client_id: 'cid&evil=1', redirect_uri: 'https://x.example/cb?a=1#frag', state: 's&t=2' });
    expect(query(u)['evil']).toBeUndefined();
    expect(() => googleOAuth({ clientId: 'c' }).authorizationUrl({ redirectUri: REDIRECT, scopes: [], state: '' })).toThrow(/state/);
  });
});

describe('the first grant: code exchange against the token endpoints', () => {
  it('Google: code + PKCE verifier -> access and refresh token; a reused code or wrong verifier is refused', async () => {
    const clock = manualClock();
    const google = await started(startGoogleOAuthStandIn({ clock }));
    const client = googleOAuth(app(google, '/token'));
    const pkce = createPkce();
    const code = google.consent({ redirectUri: REDIRECT, scopes: [OAUTH_SCOPES.google.dataManager], codeChallenge: pkce.challenge });
    const first = await client.exchangeCode({ fetch: net, clock }, { code, redirectUri: REDIRECT, pkce });
    expect(first).toMatchObject({ ok: true, minted: { expiresInMs: 3_599_000, refreshToken: expect.stringMatching(/^google-rt-/) } });
    expect(google.requests[0]!.body).toMatchObject({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: pkce.verifier });
    const again = await client.exchangeCode({ fetch: net, clock }, { code, redirectUri: REDIRECT, pkce });
    expect(again).toMatchObject({ ok: false, failure: { code: 'invalid_grant' } });
    const other = google.consent({ redirectUri: REDIRECT, codeChallenge: pkce.challenge });
    const wrong = await client.exchangeCode({ fetch: net, clock }, { code: other, redirectUri: REDIRECT, pkce: createPkce() });
    expect(wrong).toMatchObject({ ok: false, failure: { code: 'invalid_grant' } });
  });

  it('a wrong client secret is "misconfigured", never "reconnect"', async () => {
    const clock = manualClock();
    const google = await started(startGoogleOAuthStandIn({ clock }));
    const code = google.consent({ redirectUri: REDIRECT });
    const r = await googleOAuth({ ...app(google, '/token'), clientSecret: 'nope' }).exchangeCode({ fetch: net, clock }, { code, redirectUri: REDIRECT });
    expect(r).toMatchObject({ ok: false, failure: { kind: 'misconfigured', code: 'invalid_client', httpStatus: 401 } });
  });

  it('LinkedIn gives a non-partner app no refresh token: when the 60-day token ends, reconnect without calling LinkedIn', async () => {
    const clock = manualClock();
    const li = await started(startLinkedinOAuthStandIn({ clock, partner: false }));
    const client = linkedinOAuth(app(li, '/oauth/v2/accessToken'));
    const got = await client.exchangeCode({ fetch: net, clock }, { code: li.consent({ redirectUri: REDIRECT }), redirectUri: REDIRECT });
    expect(got.ok && got.minted.refreshToken).toBeUndefined();
    if (!got.ok) throw new Error('exchange failed');
    const provider = createTokenProvider({ grant: client.refreshGrant({ fetch: net, clock }), clock, initial: { accessToken: got.minted.accessToken, expiresAt: clock.t + got.minted.expiresInMs! } });
    expect((await provider.token()).ok).toBe(true);
    clock.t += 61 * DAY;
    const calls = li.requests.length;
    expect(await provider.token()).toMatchObject({ ok: false, failure: { kind: 'reconnect_required', code: 'NO_REFRESH_TOKEN' } });
    expect(provider.state().status).toBe('needs_reauth');
    expect(li.requests.length).toBe(calls);
  });

  it('LinkedIn partner refresh tokens count down from the first consent and are never extended', async () => {
    const clock = manualClock();
    const li = await started(startLinkedinOAuthStandIn({ clock }));
    const client = linkedinOAuth(app(li, '/oauth/v2/accessToken'));
    const got = await client.exchangeCode({ fetch: net, clock }, { code: li.consent({ redirectUri: REDIRECT }), redirectUri: REDIRECT });
    if (!got.ok) throw new Error('exchange failed');
    expect(got.minted.refreshExpiresAt).toBe(clock.t + 365 * DAY);
    const provider = createTokenProvider({ grant: client.refreshGrant({ fetch: net, clock }), clock, refreshToken: got.minted.refreshToken!, refreshExpiresAt: got.minted.refreshExpiresAt! });
    clock.t += 300 * DAY;
    expect((await provider.token()).ok).toBe(true);
    expect(provider.state()).toMatchObject({ status: 'healthy', refreshExpiresAt: got.minted.refreshExpiresAt });
    clock.t += 40 * DAY;
    expect(provider.state().status).toBe('expiring_soon');
    clock.t += 26 * DAY;
    const calls = li.requests.length;
    expect(await provider.token()).toMatchObject({ ok: false, failure: { kind: 'reconnect_required', code: 'REFRESH_TOKEN_EXPIRED' } });
    expect(li.requests.length).toBe(calls);
  });
});

describe('token provider against the token endpoints', () => {
  it('Microsoft rotates the refresh token: the new one is saved before the new access token is handed out', async () => {
    const clock = manualClock();
    const ms = await started(startMicrosoftOAuthStandIn({ clock }));
    const rt = ms.issueRefreshToken();
    const order: string[] = [];
    const saved: string[] = [];
    const provider = createTokenProvider({
      grant: microsoftOAuth(app(ms, '/common/oauth2/v2.0/token')).refreshGrant({ fetch: net, clock }),
      clock,
      refreshToken: rt,
      saveRefreshToken: async (t) => {
        order.push('save');
        saved.push(t);
      },
    });
    const got = await provider.token();
    order.push('use');
    expect(got.ok).toBe(true);
    expect(order).toEqual(['save', 'use']);
    expect(saved).toHaveLength(1);
    expect(saved[0]).not.toBe(rt);
    expect(ms.liveRefreshTokens()).toEqual([saved[0]]);
    expect(ms.requests[0]!.body).toMatchObject({ grant_type: 'refresh_token', refresh_token: rt, scope: 'https://ads.microsoft.com/msads.manage offline_access' });
    clock.t += 3600_000;
    expect((await provider.token()).ok).toBe(true);
    expect(ms.requests[1]!.body).toMatchObject({ refresh_token: saved[0] });
    expect(saved).toHaveLength(2);
  });

  it('a rotated refresh token that cannot be saved holds the new access token back, and the next call saves it without refreshing again', async () => {
    const clock = manualClock();
    const ms = await started(startMicrosoftOAuthStandIn({ clock }));
    let disk = 'full';
    const saved: string[] = [];
    const provider = createTokenProvider({
      grant: microsoftOAuth(app(ms, '/common/oauth2/v2.0/token')).refreshGrant({ fetch: net, clock }),
      clock,
      refreshToken: ms.issueRefreshToken(),
      saveRefreshToken: async (t) => {
        if (disk === 'full') throw new Error('ENOSPC');
        saved.push(t);
      },
    });
    expect(await provider.token()).toMatchObject({ ok: false, failure: { kind: 'transient', code: 'REFRESH_TOKEN_NOT_SAVED' } });
    disk = 'ok';
    clock.t += 60_000;
    const got = await provider.token();
    expect(got.ok).toBe(true);
    expect(ms.refreshes).toBe(1);
    expect(ms.liveRefreshTokens()).toEqual(saved);
  });

  it('a revoked grant is needs_reauth, and no further token request is made', async () => {
    const clock = manualClock();
    const google = await started(startGoogleOAuthStandIn({ clock }));
    const rt = google.issueRefreshToken();
    const states: string[] = [];
    const provider = createTokenProvider({ grant: googleOAuth(app(google, '/token')).refreshGrant({ fetch: net, clock }), clock, refreshToken: rt, onStateChange: (s) => states.push(s.status) });
    expect((await provider.token()).ok).toBe(true);
    google.revoke();
    clock.t += 3600_000;
    const dead = await provider.token();
    expect(dead).toMatchObject({ ok: false, failure: { kind: 'reconnect_required', code: 'invalid_grant', httpStatus: 400 } });
    if (!dead.ok) expect(dead.failure.reason).toMatch(/publish the OAuth consent screen/);
    const calls = google.requests.length;
    await provider.token();
    await provider.rejected('whatever');
    expect(google.requests.length).toBe(calls);
    expect(states).toEqual(['healthy', 'needs_reauth']);
  });

  it('HubSpot names a dead refresh token BAD_REFRESH_TOKEN: reconnect', async () => {
    const clock = manualClock();
    const hs = await started(startHubspotOAuthStandIn({ clock }));
    const provider = createTokenProvider({ grant: hubspotOAuth(app(hs, '/oauth/v3/token')).refreshGrant({ fetch: net, clock }), clock, refreshToken: 'unknown-rt' });
    expect(await provider.token()).toMatchObject({ ok: false, failure: { kind: 'reconnect_required', code: 'BAD_REFRESH_TOKEN' } });
  });

  it('an unavailable or throttling token endpoint is transient: a still-valid token keeps working, then it backs off', async () => {
    const clock = manualClock();
    const google = await started(startGoogleOAuthStandIn({ clock }));
    const provider = createTokenProvider({ grant: googleOAuth(app(google, '/token')).refreshGrant({ fetch: net, clock }), clock, refreshToken: google.issueRefreshToken() });
    const first = await provider.token();
    if (!first.ok) throw new Error('no token');
    clock.t += 3599_000 - 60_000; // inside the refresh skew, not yet expired
    google.script('unavailable');
    expect(await provider.token()).toMatchObject({ ok: true, token: { accessToken: first.token.accessToken } });
    expect(provider.state().status).toBe('degraded');
    clock.t += 120_000; // now expired
    google.script('throttled');
    expect(await provider.token()).toMatchObject({ ok: false, failure: { kind: 'transient', retryAfterMs: 30_000 } });
    const calls = google.requests.length;
    clock.t += 10_000;
    await provider.token();
    expect(google.requests.length).toBe(calls); // waits the endpoint's Retry-After
    clock.t += 25_000;
    expect((await provider.token()).ok).toBe(true);
    expect(provider.state().status).toBe('healthy');
  });

  it('refreshes before expiry by the skew, and trusts expires_in', async () => {
    const clock = manualClock();
    const hs = await started(startHubspotOAuthStandIn({ clock }));
    const provider = createTokenProvider({ grant: hubspotOAuth(app(hs, '/oauth/v3/token')).refreshGrant({ fetch: net, clock }), clock, refreshToken: hs.issueRefreshToken() });
    const a = await provider.token();
    clock.t += 1800_000 - 181_000; // 30-minute token: skew = min(5 min, 10%) = 3 min
    const b = await provider.token();
    clock.t += 2_000;
    const c = await provider.token();
    expect(a.ok && b.ok && c.ok && a.token.accessToken === b.token.accessToken && b.token.accessToken !== c.token.accessToken).toBe(true);
    expect(hs.refreshes).toBe(2);
  });
});
