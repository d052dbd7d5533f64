/**
 * A contract stand-in for an OAuth 2.0 token endpoint (RFC 6749 §4.1.3 authorization code, §6
 * refresh, §5.2 errors; RFC 7636 PKCE; RFC 7523 JWT bearer), specialised per vendor by an
 * {@link OAuthProfile} (reporting-and-spend.md §C0-§C5; each profile cites its vendor page).
 *
 * It mints access tokens the API stand-ins accept (pass `authority` as their `tokens` option),
 * expires and revokes them on cue, rotates refresh tokens the vendor's way, checks the client
 * credentials, the redirect URI, single-use codes and PKCE verifiers, and answers throttling and
 * outages when scripted.
 */
import { createHash, createVerify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../../../contract/context.js';
import type { TokenAuthority } from '../../stand-in-server.js';
import type { RecordedRequest, StandInAnswer } from '../../stand-in-types.js';
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

export interface OAuthStandIn {
  readonly provider: string;
  readonly url: string;
  readonly requests: readonly RecordedRequest[];
  /** For the API stand-ins' `tokens` option: which access tokens are valid now. */
  readonly authority: TokenAuthority;
  /** A person consents: answers the code the callback would receive. */
  consent(o: { redirectUri: string; scopes?: readonly string[]; codeChallenge?: string }): string;
  /** A refresh token for an already-connected destination. */
  issueRefreshToken(scopes?: readonly string[]): string;
  /** Every access token minted so far stops working (the API answers 401). */
  expireAccessTokens(): void;
  /** The grant is revoked: the refresh token answers `invalid_grant`. Default: all of them. */
  revoke(refreshToken?: string): void;
  /** Queues error answers for the next token requests. */
  script(...kinds: TokenErrorKind[]): void;
  /** Successful refresh-token (and JWT) grants so far. */
  readonly refreshes: number;
  /** Refresh tokens that still work. */
  liveRefreshTokens(): string[];
  close(): Promise<void>;
}

const readAll = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

const b64urlJson = (s: string): Record<string, unknown> | undefined => {
  try {
    return JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
};

const s256 = (verifier: string) => createHash('sha256').update(verifier, 'ascii').digest('base64url');

/**
 * Starts a token endpoint stand-in for one vendor profile on a free port. One closure, longer
 * than our usual function: the tokens, codes and refresh tokens it has issued are private state
 * its small inner grant handlers share.
 */
export async function startOAuthStandIn(profile: OAuthProfile, options: OAuthStandInOptions = {}): Promise<OAuthStandIn> {
  const clock = options.clock ?? { now: () => Date.now() };
  const clientId = options.clientId ?? 'client-id';
  const clientSecret = options.clientSecret ?? 'client-secret';
  const lifetimeS = options.accessLifetimeS ?? profile.accessLifetimeS ?? 7200;
  const rotates = options.rotates ?? profile.rotates;
  const partner = options.partner ?? true;
  const requests: RecordedRequest[] = [];
  const access = new Map<string, number>();
  const refresh = new Map<string, { scopes: readonly string[]; expiresAt?: number }>();
  const codes = new Map<string, { redirectUri: string; scopes: readonly string[]; challenge?: string }>();
  const queue: TokenErrorKind[] = [];
  let serial = 0;
  let refreshes = 0;
  let url = '';

  const mintAccess = () => {
    const token = `${profile.provider}-at-${++serial}`;
    access.set(token, clock.now() + lifetimeS * 1000);
    return token;
  };
  const mintRefresh = (scopes: readonly string[], expiresAt?: number) => {
    const token = `${profile.provider}-rt-${++serial}`;
    refresh.set(token, { scopes, ...(expiresAt !== undefined ? { expiresAt } : {}) });
    return token;
  };
  const tokenAnswer = (rt: string | undefined, scopes: readonly string[]): StandInAnswer => {
    const now = clock.now();
    const rtExpires = rt ? refresh.get(rt)?.expiresAt : undefined;
    const body: Record<string, unknown> = {
      access_token: mintAccess(),
      token_type: 'Bearer',
      scope: scopes.join(' '),
      ...(profile.accessLifetimeS !== null ? { expires_in: lifetimeS } : {}),
      ...(rt ? { refresh_token: rt } : {}),
      ...(rt && rtExpires !== undefined ? { refresh_token_expires_in: Math.max(0, Math.floor((rtExpires - now) / 1000)) } : {}),
      ...(profile.salesforceFields
        ? { instance_url: options.instanceUrl ?? url, id: `${url}/id/00D000000000001/005000000000001`, issued_at: String(now), signature: 'stand-in' }
        : {}),
    };
    return { status: 200, body };
  };

  const fail = (kind: TokenErrorKind, description = '') => profile.error(kind, description);

  function jwtGrant(assertion: string | undefined): StandInAnswer {
    if (!options.jwt || !assertion) return fail('invalid_request', 'JWT bearer flow not enabled');
    const [h, p, sig] = assertion.split('.');
    const claims = p ? b64urlJson(p) : undefined;
    const verifier = createVerify('RSA-SHA256');
    verifier.update(`${h}.${p}`);
    if (!h || !claims || !sig || b64urlJson(h)?.['alg'] !== 'RS256' || !verifier.verify(options.jwt.publicKey, Buffer.from(sig, 'base64url'))) {
      return fail('invalid_grant', 'invalid assertion');
    }
    const now = clock.now() / 1000;
    if (claims['iss'] !== clientId) return fail('invalid_client', 'invalid client credentials');
    if (claims['aud'] !== options.jwt.audience) return fail('invalid_grant', 'audience is invalid');
    if (typeof claims['exp'] !== 'number' || claims['exp'] < now || claims['exp'] > now + 300) return fail('invalid_grant', 'expired authorization code');
    if (claims['sub'] !== options.jwt.username) return fail('invalid_grant', "user hasn't approved this consumer");
    refreshes++;
    return tokenAnswer(undefined, ['api']);
  }

  function grant(form: URLSearchParams): StandInAnswer {
    const type = form.get('grant_type');
    if (type === 'urn:ietf:params:oauth:grant-type:jwt-bearer') return jwtGrant(form.get('assertion') ?? undefined);
    if (form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret) return fail('invalid_client', 'client authentication failed');
    if (type === 'authorization_code') {
      const code = codes.get(form.get('code') ?? '');
      if (!code) return fail('invalid_grant', 'authorization code is invalid, expired or already used');
      codes.delete(form.get('code')!);
      if (code.redirectUri !== form.get('redirect_uri')) return fail('invalid_grant', 'redirect_uri does not match the authorization request');
      if (code.challenge !== undefined && s256(form.get('code_verifier') ?? '') !== code.challenge) return fail('invalid_grant', 'PKCE verification failed');
      const lifetime = profile.refreshLifetimeS;
      const rt = profile.provider === 'linkedin' && !partner ? undefined : mintRefresh(code.scopes, lifetime !== undefined ? clock.now() + lifetime * 1000 : undefined);
      return tokenAnswer(rt, code.scopes);
    }
    if (type === 'refresh_token') {
      const rt = form.get('refresh_token') ?? '';
      const held = refresh.get(rt);
      if (!held || (held.expiresAt !== undefined && clock.now() >= held.expiresAt)) return fail('invalid_grant', '');
      refreshes++;
      if (!rotates) return tokenAnswer(rt, held.scopes);
      refresh.delete(rt);
      return tokenAnswer(mintRefresh(held.scopes, held.expiresAt), held.scopes);
    }
    return fail('unsupported_grant_type', `grant_type ${type ?? '(none)'} is not supported`);
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const rawBody = await readAll(req);
      const path = new URL(req.url ?? '/', 'http://stand-in').pathname;
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      const form = new URLSearchParams(rawBody);
      const rec: RecordedRequest = { method: req.method ?? 'GET', path, query: {}, headers, rawBody, body: Object.fromEntries(form), at: clock.now(), status: 0 };
      requests.push(rec);
      const scripted = queue.shift();
      const out: StandInAnswer =
        req.method !== 'POST' || !profile.tokenPaths.includes(path)
          ? { status: 404, body: { error: 'not_found' } }
          : !(headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')
            ? fail('invalid_request', 'the token request must be application/x-www-form-urlencoded')
            : scripted
              ? { ...fail(scripted, 'scripted'), ...(scripted === 'throttled' ? { headers: { 'retry-after': '30' } } : {}) }
              : grant(form);
      rec.status = out.status;
      if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
      res.writeHead(out.status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...out.headers });
      res.end(JSON.stringify(out.body));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    provider: profile.provider,
    url,
    requests,
    authority: {
      check(token) {
        const exp = access.get(token);
        if (exp === undefined) return 'unknown';
        return clock.now() < exp ? 'valid' : 'expired';
      },
    },
    consent(o) {
      const code = `code-${++serial}`;
      codes.set(code, { redirectUri: o.redirectUri, scopes: o.scopes ?? [], ...(o.codeChallenge ? { challenge: o.codeChallenge } : {}) });
      return code;
    },
    issueRefreshToken: (scopes = []) =>
      mintRefresh(scopes, profile.refreshLifetimeS !== undefined ? clock.now() + profile.refreshLifetimeS * 1000 : undefined),
    expireAccessTokens() {
      for (const k of access.keys()) access.set(k, -Infinity);
    },
    revoke(rt) {
      if (rt === undefined) refresh.clear();
      else refresh.delete(rt);
    },
    script: (...kinds) => void queue.push(...kinds),
    get refreshes() {
      return refreshes;
    },
    liveRefreshTokens: () => [...refresh.keys()],
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
