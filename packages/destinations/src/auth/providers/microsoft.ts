import { OAUTH_SCOPES } from '../scopes.js';
import { oauthVendor, type OAuthAppSettings, type OAuthVendor } from '../oauth/oauth-vendor.js';

/** Microsoft identity platform settings for Microsoft Advertising. */
export interface MicrosoftAppSettings extends OAuthAppSettings {
  /** `common`, `organizations`, `consumers` or a tenant id. @defaultValue 'common' */
  readonly tenant?: string;
}

/**
 * Microsoft identity platform (v2.0 endpoints) for the Microsoft Advertising API
 * (activation-contracts.md §5.1: scope `https://ads.microsoft.com/msads.manage` + `offline_access`;
 * https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow). Every
 * refresh returns a new refresh token, which the provider saves before use. The refresh form
 * repeats the scopes, as the v2.0 endpoint asks. AADSTS codes come back in `error_codes`.
 */
export function microsoftOAuth(app: MicrosoftAppSettings): OAuthVendor {
  const tenant = encodeURIComponent(app.tenant ?? 'common');
  return oauthVendor(
    {
      provider: 'microsoft',
      authorizeUrl: `https://login.microsoftonline.com/${tenant}/oauth2/v2.0/authorize`,
      tokenUrl: `https://login.microsoftonline.com/${tenant}/oauth2/v2.0/token`,
      authorizeExtra: { response_mode: 'query' },
      refreshExtra: { scope: [OAUTH_SCOPES.microsoft.ads, OAUTH_SCOPES.microsoft.offline].join(' ') },
      advice: { reconnect: 'Reconnect the destination (the sign-in was revoked, expired, or needs a new consent or MFA).' },
      noRefreshToken: 'no Microsoft refresh token is stored for this connection; reconnect it (the consent must include offline_access)',
    },
    app,
  );
}
