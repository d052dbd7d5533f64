import { oauthVendor, type OAuthAppSettings, type OAuthVendor } from '../oauth/oauth-vendor.js';

/**
 * HubSpot OAuth (reporting-and-spend.md §C3; developers.hubspot.com OAuth tokens guide): access
 * tokens last 30 minutes, so `expires_in` is followed; the v1 token API is deprecated on
 * 2027-02-16, so the default is the v3 path (`tokenUrl` overrides it). A dead refresh token
 * answers 400 (v1 names it `BAD_REFRESH_TOKEN`, v3 `invalid_grant`); both mean reconnect.
 * A private-app token (static) needs none of this.
 */
export function hubspotOAuth(app: OAuthAppSettings): OAuthVendor {
  return oauthVendor(
    {
      provider: 'hubspot',
      authorizeUrl: 'https://app.hubspot.com/oauth/authorize',
      tokenUrl: 'https://api.hubapi.com/oauth/v3/token',
      advice: { reconnect: 'Reconnect the destination (the app may have been uninstalled from the HubSpot account).' },
      noRefreshToken: 'no HubSpot refresh token is stored for this connection; reconnect it',
    },
    app,
  );
}
