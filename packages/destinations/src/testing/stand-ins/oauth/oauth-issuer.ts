/**
 * The token endpoint's grants (RFC 6749 §4.1.3 authorization code, §6 refresh, RFC 7636 PKCE,
 * RFC 7523 JWT bearer) over one small state object: the tokens, codes and refresh tokens the
 * stand-in has issued. The server around it is in oauth-stand-in.ts.
 */
import { createHash, createVerify, type KeyObject } from 'node:crypto';
import type { Clock } from '../../../contract/context.js';
import type { StandInAnswer } from '../../stand-in-types.js';
import type { OAuthProfile, TokenErrorKind } from './oauth-profile.js';

export interface OAuthStandInOptions {
  readonly clock?: Clock;
  /** @defaultValue 'client-id' */
  readonly clientId?: string;
  /** @defaultValue 'client-secret' */
  readonly clientSecret?: string;
  /** Override the vendor's access-token lifetime (seconds); Salesforce: the session timeout. */
  readonly accessLifetimeS?: number;
  /** Override whether refresh tokens rotate (Salesforce orgs may turn it on). */
  readonly rotates?: boolean;
  /** LinkedIn: an approved partner app gets refresh tokens. @defaultValue true */
  readonly partner?: boolean;
  /** Salesforce: the instance every answer names. @defaultValue the stand-in's own URL */
  readonly instanceUrl?: string;
  /** Salesforce JWT bearer: the connected app's certificate key and the pre-approved user. */
  readonly jwt?: { readonly publicKey: string | KeyObject; readonly username: string; readonly audience: string };
  /** Delay every answer (lets concurrent callers overlap a refresh). @defaultValue 0 */
  readonly delayMs?: number;
}

/** What the endpoint has issued, and its settings resolved from the profile and the options. */
export interface Issuer {
  readonly profile: OAuthProfile;
  readonly options: OAuthStandInOptions;
  readonly clock: Clock;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly lifetimeS: number;
  readonly rotates: boolean;
  readonly partner: boolean;
  /** Access tokens and when each expires (epoch ms). */
  readonly access: Map<string, number>;
  readonly refresh: Map<string, { scopes: readonly string[]; expiresAt?: number }>;
  /** Authorization codes not yet redeemed (single use). */
  readonly codes: Map<string, { redirectUri: string; scopes: readonly string[]; challenge?: string }>;
  /** Error answers a test queued for the next token requests. */
  readonly queue: TokenErrorKind[];
  serial: number;
  refreshes: number;
  /** The stand-in's own URL (Salesforce answers name it), known once it listens. */
  url: string;
}

export function newIssuer(profile: OAuthProfile, options: OAuthStandInOptions): Issuer {
  return {
    profile,
    options,
    clock: options.clock ?? { now: () => Date.now() },
    clientId: options.clientId ?? 'client-id',
    clientSecret: options.clientSecret ?? 'client-secret',
    lifetimeS: options.accessLifetimeS ?? profile.accessLifetimeS ?? 7200,
    rotates: options.rotates ?? profile.rotates,
    partner: options.partner ?? true,
    access: new Map(),
    refresh: new Map(),
    codes: new Map(),
    queue: [],
    serial: 0,
    refreshes: 0,
    url: '',
  };
}

const b64urlJson = (s: string): Record<string, unknown> | undefined => {
  try {
    return JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
};

const s256 = (verifier: string) => createHash('sha256').update(verifier, 'ascii').digest('base64url');

const fail = (s: Issuer, kind: TokenErrorKind, description = '') => s.profile.error(kind, description);

function mintAccess(s: Issuer): string {
  const token = `${s.profile.provider}-at-${++s.serial}`;
  s.access.set(token, s.clock.now() + s.lifetimeS * 1000);
  return token;
}

export function mintRefresh(s: Issuer, scopes: readonly string[], expiresAt?: number): string {
  const token = `${s.profile.provider}-rt-${++s.serial}`;
  s.refresh.set(token, { scopes, ...(expiresAt !== undefined ? { expiresAt } : {}) });
  return token;
}

/** When a refresh token issued now dies, for vendors whose refresh tokens expire. */
export const refreshExpiry = (s: Issuer): number | undefined =>
  s.profile.refreshLifetimeS !== undefined ? s.clock.now() + s.profile.refreshLifetimeS * 1000 : undefined;

function tokenAnswer(s: Issuer, rt: string | undefined, scopes: readonly string[]): StandInAnswer {
  const now = s.clock.now();
  const rtExpires = rt ? s.refresh.get(rt)?.expiresAt : undefined;
  const body: Record<string, unknown> = {
    access_token: mintAccess(s),
    token_type: 'Bearer',
    scope: scopes.join(' '),
    ...(s.profile.accessLifetimeS !== null ? { expires_in: s.lifetimeS } : {}),
    ...(rt ? { refresh_token: rt } : {}),
    ...(rt && rtExpires !== undefined ? { refresh_token_expires_in: Math.max(0, Math.floor((rtExpires - now) / 1000)) } : {}),
    ...(s.profile.salesforceFields
      ? { instance_url: s.options.instanceUrl ?? s.url, id: `${s.url}/id/00D000000000001/005000000000001`, issued_at: String(now), signature: 'stand-in' }
      : {}),
  };
  return { status: 200, body };
}

function jwtGrant(s: Issuer, assertion: string | undefined): StandInAnswer {
  const jwt = s.options.jwt;
  if (!jwt || !assertion) return fail(s, 'invalid_request', 'JWT bearer flow not enabled');
  const [h, p, sig] = assertion.split('.');
  const claims = p ? b64urlJson(p) : undefined;
  const verifier = createVerify('RSA-SHA256');
  verifier.update(`${h}.${p}`);
  if (!h || !claims || !sig || b64urlJson(h)?.['alg'] !== 'RS256' || !verifier.verify(jwt.publicKey, Buffer.from(sig, 'base64url'))) {
    return fail(s, 'invalid_grant', 'invalid assertion');
  }
  const now = s.clock.now() / 1000;
  if (claims['iss'] !== s.clientId) return fail(s, 'invalid_client', 'invalid client credentials');
  if (claims['aud'] !== jwt.audience) return fail(s, 'invalid_grant', 'audience is invalid');
  if (typeof claims['exp'] !== 'number' || claims['exp'] < now || claims['exp'] > now + 300) return fail(s, 'invalid_grant', 'expired authorization code');
  if (claims['sub'] !== jwt.username) return fail(s, 'invalid_grant', "user hasn't approved this consumer");
  s.refreshes++;
  return tokenAnswer(s, undefined, ['api']);
}

function codeGrant(s: Issuer, form: URLSearchParams): StandInAnswer {
  const code = s.codes.get(form.get('code') ?? '');
  if (!code) return fail(s, 'invalid_grant', 'authorization code is invalid, expired or already used');
  s.codes.delete(form.get('code')!);
  if (code.redirectUri !== form.get('redirect_uri')) return fail(s, 'invalid_grant', 'redirect_uri does not match the authorization request');
  if (code.challenge !== undefined && s256(form.get('code_verifier') ?? '') !== code.challenge) return fail(s, 'invalid_grant', 'PKCE verification failed');
  // LinkedIn gives refresh tokens to approved partner apps only.
  const rt = s.profile.provider === 'linkedin' && !s.partner ? undefined : mintRefresh(s, code.scopes, refreshExpiry(s));
  return tokenAnswer(s, rt, code.scopes);
}

function refreshGrant(s: Issuer, form: URLSearchParams): StandInAnswer {
  const rt = form.get('refresh_token') ?? '';
  const held = s.refresh.get(rt);
  if (!held || (held.expiresAt !== undefined && s.clock.now() >= held.expiresAt)) return fail(s, 'invalid_grant', '');
  s.refreshes++;
  if (!s.rotates) return tokenAnswer(s, rt, held.scopes);
  s.refresh.delete(rt);
  return tokenAnswer(s, mintRefresh(s, held.scopes, held.expiresAt), held.scopes);
}

/** One token request's form, answered by its grant type. */
export function grant(s: Issuer, form: URLSearchParams): StandInAnswer {
  const type = form.get('grant_type');
  if (type === 'urn:ietf:params:oauth:grant-type:jwt-bearer') return jwtGrant(s, form.get('assertion') ?? undefined);
  if (form.get('client_id') !== s.clientId || form.get('client_secret') !== s.clientSecret) return fail(s, 'invalid_client', 'client authentication failed');
  if (type === 'authorization_code') return codeGrant(s, form);
  if (type === 'refresh_token') return refreshGrant(s, form);
  return fail(s, 'unsupported_grant_type', `grant_type ${type ?? '(none)'} is not supported`);
}

/** Anything but a form POST to a token path is refused before any grant; a queued error comes next. */
export function answerTokenRequest(s: Issuer, method: string | undefined, path: string, contentType: string, form: URLSearchParams): StandInAnswer {
  const scripted = s.queue.shift();
  if (method !== 'POST' || !s.profile.tokenPaths.includes(path)) return { status: 404, body: { error: 'not_found' } };
  if (!contentType.includes('application/x-www-form-urlencoded')) return fail(s, 'invalid_request', 'the token request must be application/x-www-form-urlencoded');
  if (scripted) return { ...fail(s, scripted, 'scripted'), ...(scripted === 'throttled' ? { headers: { 'retry-after': '30' } } : {}) };
  return grant(s, form);
}
