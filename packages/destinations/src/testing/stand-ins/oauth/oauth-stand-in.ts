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
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenLocal, readAll, stringHeaders, type LocalServer } from '../../local-server.js';
import type { TokenAuthority } from '../../stand-in-server.js';
import type { RecordedRequest } from '../../stand-in-types.js';
import { answerTokenRequest, mintRefresh, newIssuer, refreshExpiry, type Issuer, type OAuthStandInOptions } from './oauth-issuer.js';
import type { OAuthProfile, TokenErrorKind } from './oauth-profile.js';

export type { OAuthStandInOptions } from './oauth-issuer.js';

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

/** Records one token request and answers it (after `delayMs`, so concurrent callers overlap). */
async function serveToken(s: Issuer, requests: RecordedRequest[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const rawBody = await readAll(req);
  const path = new URL(req.url ?? '/', 'http://stand-in').pathname;
  const headers = stringHeaders(req);
  const form = new URLSearchParams(rawBody);
  const rec: RecordedRequest = { method: req.method ?? 'GET', path, query: {}, headers, rawBody, body: Object.fromEntries(form), at: s.clock.now(), status: 0 };
  requests.push(rec);
  const out = answerTokenRequest(s, req.method, path, headers['content-type'] ?? '', form);
  rec.status = out.status;
  if (s.options.delayMs) await new Promise((r) => setTimeout(r, s.options.delayMs));
  res.writeHead(out.status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...out.headers });
  res.end(JSON.stringify(out.body));
}

/** What a test holds: the authority the API stand-ins ask, and the cues a grant's life takes. */
function oauthHandle(s: Issuer, requests: readonly RecordedRequest[], server: LocalServer): OAuthStandIn {
  return {
    provider: s.profile.provider,
    url: server.url,
    requests,
    authority: {
      check(token) {
        const exp = s.access.get(token);
        if (exp === undefined) return 'unknown';
        return s.clock.now() < exp ? 'valid' : 'expired';
      },
    },
    consent(o) {
      const code = `code-${++s.serial}`;
      s.codes.set(code, { redirectUri: o.redirectUri, scopes: o.scopes ?? [], ...(o.codeChallenge ? { challenge: o.codeChallenge } : {}) });
      return code;
    },
    issueRefreshToken: (scopes = []) => mintRefresh(s, scopes, refreshExpiry(s)),
    expireAccessTokens() {
      for (const k of s.access.keys()) s.access.set(k, -Infinity);
    },
    revoke(rt) {
      if (rt === undefined) s.refresh.clear();
      else s.refresh.delete(rt);
    },
    script: (...kinds) => void s.queue.push(...kinds),
    get refreshes() {
      return s.refreshes;
    },
    liveRefreshTokens: () => [...s.refresh.keys()],
    close: () => server.close(),
  };
}

/**
 * Starts a token endpoint stand-in for one vendor profile on a free port: the tokens, codes and
 * refresh tokens it issues live in one {@link Issuer} its grant steps share.
 */
export async function startOAuthStandIn(profile: OAuthProfile, options: OAuthStandInOptions = {}): Promise<OAuthStandIn> {
  const issuer = newIssuer(profile, options);
  const requests: RecordedRequest[] = [];
  const server = await listenLocal((req, res) => serveToken(issuer, requests, req, res));
  issuer.url = server.url;
  return oauthHandle(issuer, requests, server);
}
