import {
  googleOAuth,
  hubspotOAuth,
  linkedinOAuth,
  microsoftOAuth,
  salesforceOAuth,
  scopesFor,
  type OAuthAppSettings,
  type OAuthPurpose,
  type OAuthVendor,
} from '@touchline/destinations';
import type { DestinationAccount, OAuthApp } from '../activation/config/activation-config.js';
import { destinationOf } from '../activation/engine/any-destination.js';

/**
 * A destination account that connects through OAuth, with its vendor client and scopes. The
 * default scopes are the vendor's activation set (auth/scopes.ts), wider than the one
 * destination's own: one grant also serves HubSpot's custom properties and Google's Ads API.
 */
export interface OAuthAccount {
  readonly name: string;
  readonly provider: string;
  readonly vendor: OAuthVendor;
  readonly scopes: readonly string[];
  readonly app: OAuthApp;
  /** Whether the vendor takes PKCE (RFC 7636) on the authorization-code flow. */
  readonly pkce: boolean;
}

/** A connect problem the operator fixes: names the destination and the config key. */
export class ConnectionError extends Error {
  override readonly name = 'ConnectionError';
}

/**
 * Vendors that accept PKCE on a confidential client's authorization-code flow (their OAuth
 * pages: Google, Microsoft identity platform, Salesforce web-server flow). HubSpot and LinkedIn
 * document no code_challenge parameter: the state alone protects their callback.
 */
const PKCE: ReadonlySet<string> = new Set(['google', 'microsoft', 'salesforce']);

/**
 * The OAuth client for a configured account, or why it has none. `purposes` adds `reporting`
 * for a destination a spend connection reads through (`spend.pull.connections.*.connection`), so
 * one consent covers sending and reading spend (LinkedIn's r_ads_reporting, Meta's ads_read).
 */
export function oauthAccount(name: string, account: DestinationAccount | undefined, purposes: readonly OAuthPurpose[] = ['activation']): OAuthAccount {
  if (!account) throw new ConnectionError(`no destination "${name}" under destinations`);
  const auth = destinationOf(account.type)?.capabilities.auth;
  if (!auth || auth.kind !== 'oauth') throw new ConnectionError(`destinations.${name}: ${account.type} does not connect through OAuth; its credentials go in config (env:NAME or file:/path)`);
  const app = account.oauth;
  if (!app) throw new ConnectionError(`destinations.${name}.oauth: set clientId (and clientSecret) of your ${auth.provider} OAuth app to connect it`);
  const settings: OAuthAppSettings = {
    clientId: app.clientId,
    ...(app.clientSecret !== undefined ? { clientSecret: app.clientSecret } : {}),
    ...(app.tokenUrl !== undefined ? { tokenUrl: app.tokenUrl } : {}),
    ...(app.authorizeUrl !== undefined ? { authorizeUrl: app.authorizeUrl } : {}),
  };
  const vendor =
    auth.provider === 'google' ? googleOAuth(settings)
    : auth.provider === 'hubspot' ? hubspotOAuth(settings)
    : auth.provider === 'linkedin' ? linkedinOAuth(settings)
    : auth.provider === 'microsoft' ? microsoftOAuth({ ...settings, ...(app.tenant !== undefined ? { tenant: app.tenant } : {}) })
    : salesforceOAuth({ ...settings, ...(app.loginUrl !== undefined ? { loginUrl: app.loginUrl } : {}) });
  return { name, provider: auth.provider, vendor, scopes: app.scopes ?? scopesFor(auth.provider, purposes), app, pkce: PKCE.has(auth.provider) };
}
