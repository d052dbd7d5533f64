import type { GrantResult, RefreshGrant } from '../refresh-grant.js';
import { authorizationUrl, type AuthorizationRequest, type Pkce } from './authorization-url.js';
import type { OAuthCaps, OAuthClient } from './oauth-caps.js';
import { callTokenEndpoint } from './token-endpoint.js';
import type { TokenErrorAdvice } from './token-errors.js';

/** What differs between vendors' authorization-code + refresh-token flows. */
export interface OAuthVendorSpec {
  readonly provider: string;
  readonly authorizeUrl: string;
  readonly tokenUrl: string;
  /** Extra authorization URL parameters (Google `access_type=offline`). */
  readonly authorizeExtra?: Readonly<Record<string, string>>;
  /** Extra refresh form fields (Microsoft repeats the scopes). */
  readonly refreshExtra?: Readonly<Record<string, string>>;
  readonly advice?: TokenErrorAdvice;
  /** Why there is nothing to refresh with, when the connection has no refresh token. */
  readonly noRefreshToken: string;
}

/** Settings of one registered app, with endpoint overrides (stand-ins, sandboxes). */
export interface OAuthAppSettings extends OAuthClient {
  /** @defaultValue the vendor's production token URL */
  readonly tokenUrl?: string;
  /** @defaultValue the vendor's production authorization URL */
  readonly authorizeUrl?: string;
}

/** The first grant: the code the callback received. */
export interface CodeExchange {
  readonly code: string;
  /** Must equal the one in the authorization URL. */
  readonly redirectUri: string;
  /** The PKCE pair whose challenge was in the authorization URL. */
  readonly pkce?: Pkce;
}

/** An OAuth client for one vendor: authorization URL, code exchange, refresh grant. */
export interface OAuthVendor {
  readonly provider: string;
  authorizationUrl(req: Omit<AuthorizationRequest, 'clientId'>): string;
  exchangeCode(caps: OAuthCaps, exchange: CodeExchange): Promise<GrantResult>;
  refreshGrant(caps: OAuthCaps): RefreshGrant;
}

/** Builds the standard RFC 6749 client from a vendor's spec. */
export function oauthVendor(spec: OAuthVendorSpec, app: OAuthAppSettings): OAuthVendor {
  const tokenUrl = app.tokenUrl ?? spec.tokenUrl;
  const client = { client_id: app.clientId, client_secret: app.clientSecret };
  return {
    provider: spec.provider,
    authorizationUrl: (req) => authorizationUrl(app.authorizeUrl ?? spec.authorizeUrl, { ...req, clientId: app.clientId }, spec.authorizeExtra),
    exchangeCode: (caps, x) =>
      callTokenEndpoint(caps, {
        provider: spec.provider,
        url: tokenUrl,
        form: { grant_type: 'authorization_code', code: x.code, redirect_uri: x.redirectUri, code_verifier: x.pkce?.verifier, ...client },
        ...(spec.advice ? { advice: spec.advice } : {}),
      }),
    refreshGrant: (caps) => ({
      provider: spec.provider,
      usesRefreshToken: true,
      async mint(refreshToken) {
        if (!refreshToken) {
          return { ok: false, failure: { kind: 'reconnect_required', provider: spec.provider, code: 'NO_REFRESH_TOKEN', reason: spec.noRefreshToken } };
        }
        return callTokenEndpoint(caps, {
          provider: spec.provider,
          url: tokenUrl,
          form: { grant_type: 'refresh_token', refresh_token: refreshToken, ...client, ...spec.refreshExtra },
          ...(spec.advice ? { advice: spec.advice } : {}),
        });
      },
    }),
  };
}
