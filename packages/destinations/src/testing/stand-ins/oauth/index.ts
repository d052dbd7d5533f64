import { startOAuthStandIn, type OAuthStandIn, type OAuthStandInOptions } from './oauth-stand-in.js';
import { GOOGLE_PROFILE, HUBSPOT_PROFILE, LINKEDIN_PROFILE, MICROSOFT_PROFILE, SALESFORCE_PROFILE } from './oauth-profile.js';

export { startOAuthStandIn, type OAuthStandIn, type OAuthStandInOptions } from './oauth-stand-in.js';
export type { OAuthProfile, TokenErrorKind } from './oauth-profile.js';

/** Google's token endpoint (`tokenUrl`: `${url}/token`). */
export const startGoogleOAuthStandIn = (o?: OAuthStandInOptions): Promise<OAuthStandIn> => startOAuthStandIn(GOOGLE_PROFILE, o);
/** HubSpot's token endpoint (`tokenUrl`: `${url}/oauth/v3/token` or `/oauth/v1/token`). */
export const startHubspotOAuthStandIn = (o?: OAuthStandInOptions): Promise<OAuthStandIn> => startOAuthStandIn(HUBSPOT_PROFILE, o);
/** LinkedIn's token endpoint (`tokenUrl`: `${url}/oauth/v2/accessToken`). */
export const startLinkedinOAuthStandIn = (o?: OAuthStandInOptions): Promise<OAuthStandIn> => startOAuthStandIn(LINKEDIN_PROFILE, o);
/** Microsoft identity platform (`tokenUrl`: `${url}/common/oauth2/v2.0/token`). */
export const startMicrosoftOAuthStandIn = (o?: OAuthStandInOptions): Promise<OAuthStandIn> => startOAuthStandIn(MICROSOFT_PROFILE, o);
/** Salesforce (`loginUrl`: the stand-in's url; token path `/services/oauth2/token`). */
export const startSalesforceOAuthStandIn = (o?: OAuthStandInOptions): Promise<OAuthStandIn> => startOAuthStandIn(SALESFORCE_PROFILE, o);
