import type { StandInAnswer } from '../../stand-in-types.js';

/** The error a token endpoint answers, by what went wrong. */
export type TokenErrorKind = 'invalid_grant' | 'invalid_client' | 'unsupported_grant_type' | 'invalid_request' | 'throttled' | 'unavailable';

/** What differs between vendors' token endpoints: paths, lifetimes, rotation, error shapes. */
export interface OAuthProfile {
  readonly provider: string;
  /** Token endpoint paths served (HubSpot serves v1 and v3). */
  readonly tokenPaths: readonly string[];
  /** Access-token lifetime in seconds; `null`: not announced (Salesforce session timeout). */
  readonly accessLifetimeS: number | null;
  /** Whether a refresh returns a new refresh token and kills the old one. */
  readonly rotates: boolean;
  /** LinkedIn: absolute refresh-token lifetime in seconds, announced and never extended. */
  readonly refreshLifetimeS?: number;
  /** Salesforce: `instance_url`, `id`, `issued_at`, `signature` in every token answer. */
  readonly salesforceFields?: boolean;
  /** The vendor's error answer. */
  error(kind: TokenErrorKind, description: string): StandInAnswer;
}

const oauthError = (status: number, error: string, description: string, extra: Record<string, unknown> = {}): StandInAnswer => ({
  status,
  body: { error, error_description: description, ...extra },
});

const STATUS: Record<TokenErrorKind, number> = { invalid_grant: 400, invalid_client: 401, unsupported_grant_type: 400, invalid_request: 400, throttled: 429, unavailable: 503 };
const rfc = (kind: TokenErrorKind) => (kind === 'throttled' ? 'temporarily_unavailable' : kind === 'unavailable' ? 'server_error' : kind);

/** Google (reporting-and-spend.md §C1; developers.google.com/identity/protocols/oauth2). */
export const GOOGLE_PROFILE: OAuthProfile = {
  provider: 'google',
  tokenPaths: ['/token'],
  accessLifetimeS: 3599,
  rotates: false,
  error: (kind, d) => oauthError(STATUS[kind], rfc(kind), kind === 'invalid_grant' ? 'Token has been expired or revoked.' : d),
};

/**
 * HubSpot (§C3; developers.hubspot.com OAuth tokens v1 guide): 30-minute access tokens; the v1
 * endpoint's errors carry `status` (BAD_REFRESH_TOKEN, BAD_CLIENT_ID); v3 is served the same way
 * here because its exact error body is not in the research notes.
 */
export const HUBSPOT_PROFILE: OAuthProfile = {
  provider: 'hubspot',
  tokenPaths: ['/oauth/v1/token', '/oauth/v3/token'],
  accessLifetimeS: 1800,
  rotates: false,
  error: (kind, d) => {
    const status = kind === 'invalid_grant' ? 'BAD_REFRESH_TOKEN' : kind === 'invalid_client' ? 'BAD_CLIENT_ID' : kind === 'throttled' ? 'RATE_LIMIT' : kind === 'unavailable' ? 'INTERNAL_ERROR' : 'BAD_GRANT_TYPE';
    return { status: kind === 'invalid_client' ? 400 : STATUS[kind], body: { status, message: d, correlationId: 'stand-in' } };
  },
};

/**
 * LinkedIn (§C5; learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens):
 * 60-day access tokens, 365-day refresh tokens that a refresh does not extend.
 */
export const LINKEDIN_PROFILE: OAuthProfile = {
  provider: 'linkedin',
  tokenPaths: ['/oauth/v2/accessToken'],
  accessLifetimeS: 5_184_000,
  rotates: false,
  refreshLifetimeS: 31_536_000,
  error: (kind, d) => oauthError(STATUS[kind], rfc(kind), kind === 'invalid_grant' ? 'The provided authorization grant or refresh token is invalid, expired or revoked' : d),
};

/**
 * Microsoft identity platform v2.0 (activation-contracts.md §5.1;
 * learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow): a new refresh
 * token on every refresh (this stand-in kills the old one at once, the strict reading, so a
 * client that fails to save the new one is caught); AADSTS codes in `error_codes`.
 */
export const MICROSOFT_PROFILE: OAuthProfile = {
  provider: 'microsoft',
  tokenPaths: ['/common/oauth2/v2.0/token', '/organizations/oauth2/v2.0/token', '/consumers/oauth2/v2.0/token'],
  accessLifetimeS: 3600,
  rotates: true,
  error: (kind, d) => {
    const aadsts = kind === 'invalid_grant' ? 70000 : kind === 'invalid_client' ? 7000215 : 90000;
    const text = kind === 'invalid_grant' ? 'The provided value for the input parameter refresh_token or assertion is not valid.' : kind === 'invalid_client' ? 'Invalid client secret provided.' : d;
    return oauthError(STATUS[kind], rfc(kind), `AADSTS${aadsts}: ${text}`, { error_codes: [aadsts], trace_id: 'stand-in', correlation_id: 'stand-in' });
  },
};

/**
 * Salesforce (§C2; help.salesforce.com remoteaccess_oauth_refresh_token_flow and _jwt_flow): no
 * `expires_in` (session timeout), `instance_url` in every answer, optional refresh rotation.
 */
export const SALESFORCE_PROFILE: OAuthProfile = {
  provider: 'salesforce',
  tokenPaths: ['/services/oauth2/token'],
  accessLifetimeS: null,
  rotates: false,
  salesforceFields: true,
  error: (kind, d) => oauthError(kind === 'invalid_client' ? 400 : STATUS[kind], kind === 'invalid_client' ? 'invalid_client_id' : rfc(kind), kind === 'invalid_grant' && d === '' ? 'expired access/refresh token' : d),
};
