import { oauthVendor, type OAuthAppSettings, type OAuthVendor } from '../oauth/oauth-vendor.js';

/**
 * LinkedIn OAuth 2.0 (reporting-and-spend.md §C5;
 * https://learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens):
 * access tokens last 60 days, refresh tokens 365 days and a refresh does NOT extend them
 * (`refresh_token_expires_in` counts down). Only approved Marketing Developer Platform partners
 * receive a refresh token at all: for other apps the code exchange returns none, and when the
 * 60-day access token ends a person must reconnect.
 */
export function linkedinOAuth(app: OAuthAppSettings): OAuthVendor {
  return oauthVendor(
    {
      provider: 'linkedin',
      authorizeUrl: 'https://www.linkedin.com/oauth/v2/authorization',
      tokenUrl: 'https://www.linkedin.com/oauth/v2/accessToken',
      advice: { reconnect: 'Reconnect the destination (LinkedIn refresh tokens end 365 days after the first consent, whatever their use).' },
      noRefreshToken:
        'LinkedIn issues refresh tokens only to approved partner apps, and this connection has none; the 60-day access token has ended: reconnect the destination',
    },
    app,
  );
}
