import type { KeyObject } from 'node:crypto';
import type { RefreshGrant } from '../refresh-grant.js';
import { signJwtRs256 } from '../oauth/jwt-bearer.js';
import type { OAuthCaps } from '../oauth/oauth-caps.js';
import { oauthVendor, type OAuthAppSettings, type OAuthVendor } from '../oauth/oauth-vendor.js';
import { callTokenEndpoint } from '../oauth/token-endpoint.js';

/** Salesforce connected-app settings. */
export interface SalesforceAppSettings extends OAuthAppSettings {
  /**
   * `https://login.salesforce.com`, `https://test.salesforce.com` (sandboxes) or a My Domain URL;
   * also the JWT audience. @defaultValue 'https://login.salesforce.com'
   */
  readonly loginUrl?: string;
}

/** The JWT bearer flow's settings: no person, no refresh token; a new signed assertion each time. */
export interface SalesforceJwtSettings {
  /** The connected app's consumer key (JWT `iss`). */
  readonly clientId: string;
  /** The pre-approved integration user (JWT `sub`). */
  readonly username: string;
  /** PEM (or KeyObject) of the key whose certificate is uploaded to the connected app. */
  readonly privateKey: string | KeyObject;
  /** @defaultValue 'https://login.salesforce.com' (JWT `aud` and the token host) */
  readonly loginUrl?: string;
  /** @defaultValue `${loginUrl}/services/oauth2/token` */
  readonly tokenUrl?: string;
}

const LOGIN = 'https://login.salesforce.com';
const trim = (u: string) => u.replace(/\/+$/, '');

/**
 * Salesforce web-server flow with refresh tokens (reporting-and-spend.md §C2): the token answer
 * has no `expires_in` (the lifetime is the org's session timeout), so the provider refreshes
 * when the API answers 401 `INVALID_SESSION_ID`; it names `instance_url`, the host to call; an
 * org may rotate refresh tokens.
 */
export function salesforceOAuth(app: SalesforceAppSettings): OAuthVendor {
  const login = trim(app.loginUrl ?? LOGIN);
  return oauthVendor(
    {
      provider: 'salesforce',
      authorizeUrl: `${login}/services/oauth2/authorize`,
      tokenUrl: `${login}/services/oauth2/token`,
      advice: { reconnect: 'Reconnect the destination (the refresh token was revoked or expired by the org policy).' },
      noRefreshToken: 'no Salesforce refresh token is stored for this connection; reconnect it (the consent must include the refresh_token scope)',
    },
    app,
  );
}

/**
 * Salesforce OAuth 2.0 JWT bearer flow (reporting-and-spend.md §C2;
 * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm): every
 * "refresh" signs a new assertion (iss, sub, aud, exp within 3 minutes) with node:crypto. An
 * `invalid_grant` here is a setting (user not pre-approved, wrong key or audience), never a
 * grant a person could reconnect.
 */
export function salesforceJwtGrant(settings: SalesforceJwtSettings, caps: OAuthCaps): RefreshGrant {
  const login = trim(settings.loginUrl ?? LOGIN);
  return {
    provider: 'salesforce',
    usesRefreshToken: false,
    mint() {
      const assertion = signJwtRs256(
        { iss: settings.clientId, sub: settings.username, aud: login, exp: Math.floor(caps.clock.now() / 1000) + 180 },
        settings.privateKey,
      );
      return callTokenEndpoint(caps, {
        provider: 'salesforce',
        url: settings.tokenUrl ?? `${login}/services/oauth2/token`,
        form: { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion },
        advice: { grantErrorIsConfig: true },
      });
    },
  };
}
