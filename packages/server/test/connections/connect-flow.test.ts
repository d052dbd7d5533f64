/**
 * Connecting a destination: the authorization URL (state, PKCE), the callback's code exchanged at
 * strict token-endpoint stand-ins, a pasted refresh token, grants sealed in a real control store,
 * and the token providers built from them (rotation saved before use, expiry mid-run, single
 * flight, dead grants shown as "reconnect required", also after a restart).
 */
import {
  startGoogleOAuthStandIn,
  startHubspotOAuthStandIn,
  startLinkedinOAuthStandIn,
  startMicrosoftOAuthStandIn,
  type OAuthStandIn,
} from '@touchline/destinations/testing';
import type { FetchLike } from '@touchline/destinations';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DestinationAccount } from '../../src/activation/config/activation-config.js';
import { openConnections, type Connections } from '../../src/connections/connections.js';
import { openControlStore, type ControlStore } from '../../src/control/control-store.js';

const DAY = 86_400_000;
const REDIRECT = 'http://127.0.0.1:8081/admin/oauth/callback';
const fetchLike = globalThis.fetch as unknown as FetchLike;

describe('destination connections', () => {
  let dir: string;
  let control: ControlStore;
  let now = Date.UTC(2026, 11, 7, 12);
  const clock = { now: () => now };
  const key = randomBytes(32).toString('base64url');
  let google: OAuthStandIn;
  let hubspot: OAuthStandIn;
  let linkedin: OAuthStandIn;
  let microsoft: OAuthStandIn;
  let destinations: Record<string, DestinationAccount>;

  const open = (o: { grantKey?: string } = {}): Connections =>
    openConnections({ db: control.db, grantKey: o.grantKey ?? key, destinations, fetch: fetchLike, clock, defaultRedirectUri: REDIRECT });
  /** What the browser does: consent at the vendor, then the callback with the code and the state. */
  const consentFor = (standIn: OAuthStandIn, url: string) => {
    const u = new URL(url);
    const challenge = u.searchParams.get('code_challenge');
    const code = standIn.consent({ redirectUri: u.searchParams.get('redirect_uri')!, ...(challenge ? { codeChallenge: challenge } : {}) });
    return { code, state: u.searchParams.get('state')! };
  };

  beforeAll(async () => {
    [google, hubspot, linkedin, microsoft] = await Promise.all([
      startGoogleOAuthStandIn({ clock }),
      startHubspotOAuthStandIn({ clock }),
      startLinkedinOAuthStandIn({ clock, partner: false }),
      startMicrosoftOAuthStandIn({ clock }),
    ]);
    const app = (s: OAuthStandIn, path: string) => ({ clientId: 'client-id', clientSecret: 'client-secret', tokenUrl: `${s.url}${path}` });
    destinations = {
      gdm: { type: 'google-data-manager', config: { operatingAccountId: '1234567890', conversionActionId: '987654321' }, oauth: app(google, '/token') },
      hs: { type: 'hubspot', config: {}, oauth: app(hubspot, '/oauth/v3/token') },
      li: { type: 'linkedin-conversions', config: { conversionRuleId: '123' }, oauth: app(linkedin, '/oauth/v2/accessToken') },
      ms: { type: 'microsoft-ads-conversions', config: { customerId: '1', accountId: '2', developerToken: 'dev', conversionName: 'Purchase' }, oauth: app(microsoft, '/common/oauth2/v2.0/token') },
      meta: { type: 'meta-capi', config: { accessToken: 'EAAB-literal', pixelId: '1' } },
    } as unknown as Record<string, DestinationAccount>;
  });
  beforeEach(async () => {
    control?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = await mkdtemp(join(tmpdir(), 'touchline-connect-'));
    control = openControlStore(join(dir, 'control.sqlite'));
  });
  afterAll(async () => {
    control.close();
    await rm(dir, { recursive: true, force: true });
    await Promise.all([google, hubspot, linkedin, microsoft].map((s) => s.close()));
  });

  it('Google: state and PKCE in the URL, the code exchanged once, the grant sealed at rest', async () => {
    const c = open();
    const started = c.flow.begin('gdm', 'ada@example.com');
    const url = new URL(started.url);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('access_type')).toBe('offline');
    expect(url.searchParams.get('redirect_uri')).toBe(REDIRECT);
    expect(url.searchParams.get('scope')).toContain('https://www.googleapis.com/auth/datamanager');
    const { code, state } = consentFor(google, started.url);
    expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const done = await c.flow.complete(state, code);
    expect(done).toMatchObject({ destination: 'gdm', provider: 'google', refreshable: true, by: 'ada@example.com' });
    const grant = c.store.get('gdm')!;
    expect(grant.refreshToken).toBe(google.liveRefreshTokens()[0]);
    // Sealed: neither token, nor the state, is anywhere in the file's rows in clear.
    const raw = JSON.stringify(control.db.prepare('SELECT * FROM destination_grants').all(), (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('latin1') : v));
    expect(raw).not.toContain(grant.refreshToken);
    expect(raw).not.toContain(grant.accessToken);
    expect(c.secrets()).toEqual(expect.arrayContaining([grant.refreshToken, grant.accessToken]));

    // The callback replayed (a browser reload, an attacker who saw the URL): the state is spent.
    await expect(c.flow.complete(state, code)).rejects.toThrow(/unknown or was already used/);
    // The provider hands out the stored token, and the list says connected.
    const token = await c.auth('gdm')!.token();
    expect(token).toMatchObject({ ok: true, token: { accessToken: grant.accessToken } });
    expect(c.list().find((r) => r.destination === 'gdm')).toMatchObject({ state: 'connected', connectedBy: 'ada@example.com', provider: 'google' });
  });

  it('refuses an expired flow, a forged state, a code minted for another PKCE challenge, and a wrong grant key', async () => {
    const c = open();
    const late = c.flow.begin('gdm', null);
    now += 11 * 60_000;
    await expect(c.flow.complete(new URL(late.url).searchParams.get('state')!, 'code-x')).rejects.toThrow(/expired/);
    await expect(c.flow.complete('forged-state', 'code-x')).rejects.toThrow(/unknown or was already used/);

    const started = c.flow.begin('gdm', null);
    const state = new URL(started.url).searchParams.get('state')!;
    // An attacker's code, consented with the attacker's own challenge, injected into our callback.
    const code = google.consent({ redirectUri: REDIRECT, codeChallenge: 'A'.repeat(43) });
    await expect(c.flow.complete(state, code)).rejects.toThrow(/google refused the grant for destination gdm: .*invalid_grant/);
    expect(c.store.get('gdm')).toBeUndefined();

    expect(() => open({ grantKey: 'short' })).toThrow(/grantKey must be 32 bytes/);
    // A grant written under another data dir's key does not open (never half a token).
    const done = consentFor(google, c.flow.begin('gdm', null).url);
    await c.flow.complete(done.state, done.code);
    expect(() => open({ grantKey: randomBytes(32).toString('base64url') }).store.get('gdm')).toThrow(/does not open with this data dir's grantKey/);
  });

  it('a destination without OAuth, or without an app, is refused naming the key', () => {
    const c = open();
    expect(() => c.flow.begin('meta', null)).toThrow(/destinations\.meta: meta-capi does not connect through OAuth/);
    expect(() => c.flow.begin('nope', null)).toThrow(/no destination "nope"/);
    expect(c.list().find((r) => r.destination === 'meta')).toMatchObject({ state: 'credentials in config', auth: 'token' });
    expect(c.list().find((r) => r.destination === 'hs')).toMatchObject({ state: 'not connected' });
  });

  it('Microsoft: a pasted refresh token is rotated at once and the new one saved before use; a restart carries on with it', async () => {
    const pasted = microsoft.issueRefreshToken();
    const c = open();
    await c.flow.pasteRefreshToken('ms', pasted, 'ada@example.com');
    const saved = c.store.get('ms')!.refreshToken!;
    expect(saved).not.toBe(pasted);
    expect(microsoft.liveRefreshTokens()).toEqual([saved]);

    // Expiry mid-run: ten requests at once after the access token died share one refresh.
    now += 2 * 3600_000;
    microsoft.expireAccessTokens();
    const before = microsoft.refreshes;
    const results = await Promise.all(Array.from({ length: 10 }, () => c.auth('ms')!.token()));
    expect(microsoft.refreshes - before).toBe(1);
    expect(new Set(results.map((r) => (r.ok ? r.token.accessToken : 'failed'))).size).toBe(1);
    const rotated = c.store.get('ms')!.refreshToken!;
    expect(rotated).not.toBe(saved);
    expect(microsoft.liveRefreshTokens()).toEqual([rotated]);

    // A restart (a new process on the same control store) uses what was saved, not the dead token.
    now += 2 * 3600_000;
    const again = await open().auth('ms')!.token();
    expect(again.ok).toBe(true);

    await expect(c.flow.pasteRefreshToken('ms', 'dead-token', null)).rejects.toThrow(/microsoft refused the grant for destination ms/);
    await expect(c.flow.pasteRefreshToken('ms', 'two\nlines', null)).rejects.toThrow(/visible ASCII/);
  });

  it('LinkedIn without refresh rights: connected for 60 days, then "reconnect required", also after a restart', async () => {
    const c = open();
    const { code, state } = consentFor(linkedin, c.flow.begin('li', 'ada@example.com').url);
    const done = await c.flow.complete(state, code);
    expect(done.refreshable).toBe(false);
    expect((await c.auth('li')!.token()).ok).toBe(true);

    now += 61 * DAY;
    const dead = await c.auth('li')!.token();
    expect(dead).toMatchObject({ ok: false, failure: { kind: 'reconnect_required', code: 'NO_REFRESH_TOKEN' } });
    expect(c.list().find((r) => r.destination === 'li')).toMatchObject({ state: 'reconnect required', reason: expect.stringContaining('approved partner apps') });
    const restarted = open();
    expect(restarted.list().find((r) => r.destination === 'li')).toMatchObject({ state: 'reconnect required' });
    // Nothing is asked of LinkedIn for a dead grant.
    const calls = linkedin.requests.length;
    expect((await restarted.auth('li')!.token()).ok).toBe(false);
    expect(linkedin.requests.length).toBe(calls);

    // Reconnecting clears it.
    const fresh = consentFor(linkedin, restarted.flow.begin('li', 'ada@example.com').url);
    await restarted.flow.complete(fresh.state, fresh.code);
    expect(restarted.list().find((r) => r.destination === 'li')).toMatchObject({ state: 'connected' });
    expect((await restarted.auth('li')!.token()).ok).toBe(true);
  });

  it('HubSpot: a revoked grant answers invalid_grant on the 401 refresh and is marked for reconnecting', async () => {
    const c = open();
    const { code, state } = consentFor(hubspot, c.flow.begin('hs', null).url);
    await c.flow.complete(state, code);
    const provider = c.auth('hs')!;
    const first = await provider.token();
    expect(first.ok).toBe(true);
    hubspot.revoke();
    const refused = await provider.rejected(first.ok ? first.token.accessToken : '');
    expect(refused).toMatchObject({ ok: false, failure: { kind: 'reconnect_required' } });
    expect(c.store.get('hs')).toMatchObject({ status: 'reconnect_required', reason: expect.stringContaining('BAD_REFRESH_TOKEN') });
    expect(open().list().find((r) => r.destination === 'hs')).toMatchObject({ state: 'reconnect required' });
  });
});
