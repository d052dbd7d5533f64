import { oauthVendor, type OAuthAppSettings, type OAuthVendor } from '../oauth/oauth-vendor.js';

/**
 * Google OAuth 2.0 for the Data Manager API and the Google Ads API (reporting-and-spend.md §C1;
 * https://developers.google.com/identity/protocols/oauth2): `access_type=offline` and
 * `prompt=consent` so the first grant returns a refresh token; access tokens last about an hour;
 * the refresh token dies on revoke, after 6 months unused, past the per-user cap, and after 7 days
 * while the consent screen is in "Testing" (signal: 400 `invalid_grant`).
 */
export function googleOAuth(app: OAuthAppSettings): OAuthVendor {
  return oauthVendor(
    {
      provider: 'google',
      authorizeUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
      tokenUrl: 'https://oauth2.googleapis.com/token',
      authorizeExtra: { access_type: 'offline', prompt: 'consent', include_granted_scopes: 'true' },
      advice: { reconnect: 'Reconnect the destination. If this repeats about weekly, publish the OAuth consent screen to Production.' },
      noRefreshToken: 'no Google refresh token is stored for this connection; reconnect it (the consent must ask for offline access)',
    },
    app,
  );
}
