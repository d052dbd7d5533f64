import type { AccessTokenProvider } from '../auth/access-token.js';
import { exchangeAuthorized, type AuthorizedExchange } from '../auth/authorized-exchange.js';
import { joinUrl, pathSegment, type RequestContext } from '../http/request.js';

/** Settings of one Google Ads API connection (activation-contracts.md §1.2). */
export interface GoogleAdsClientSettings {
  /** @defaultValue https://googleads.googleapis.com */
  readonly endpoint: string;
  /** `v23` ... `v26`, pinned (§1.1). */
  readonly apiVersion: string;
  /** Required on every call. */
  readonly developerToken: string;
  /** The manager (MCC) the token acts through; digits, no dashes. */
  readonly loginCustomerId?: string | undefined;
  readonly accessToken?: string | undefined;
}

/**
 * The Google Ads API REST client: Bearer token (scope `auth/adwords`) from the provider,
 * `developer-token` and `login-customer-id` headers, the pinned version in every path, one
 * refresh on a 401. `uploadClickConversions` today; GAQL `searchStream` for spend
 * (reporting-and-spend.md §B1) goes through `customerCall` on the same client.
 */
export function googleAdsClient(settings: GoogleAdsClientSettings, ctx: RequestContext, auth: AccessTokenProvider | undefined) {
  const customerCall = (customerId: string, method: string, body: unknown): Promise<AuthorizedExchange> =>
    exchangeAuthorized(ctx, auth, (t) => ({
      method: 'POST',
      url: joinUrl(settings.endpoint, `${settings.apiVersion}/customers/${pathSegment(customerId)}${method.startsWith(':') ? method : `/${method}`}`),
      headers: {
        authorization: `Bearer ${t.accessToken}`,
        'developer-token': settings.developerToken,
        ...(settings.loginCustomerId ? { 'login-customer-id': settings.loginCustomerId } : {}),
      },
      body,
    }));
  return {
    customerCall,
    uploadClickConversions: (customerId: string, body: unknown) => customerCall(customerId, ':uploadClickConversions', body),
  };
}
