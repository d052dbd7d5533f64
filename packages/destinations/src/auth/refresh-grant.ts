import type { AuthFailure } from './access-token.js';

/** A freshly minted access token, as a token endpoint answered it. */
export interface MintedToken {
  readonly accessToken: string;
  /** Lifetime from `expires_in`; absent when the vendor gives none (Salesforce). */
  readonly expiresInMs?: number;
  /** Present when the vendor issued a (possibly rotated) refresh token. */
  readonly refreshToken?: string;
  /** Absolute death of the refresh token (LinkedIn `refresh_token_expires_in`). */
  readonly refreshExpiresAt?: number;
  readonly instanceUrl?: string;
  readonly scope?: string;
}

export type GrantResult = { readonly ok: true; readonly minted: MintedToken } | { readonly ok: false; readonly failure: AuthFailure };

/**
 * One way to mint an access token for one connection: a refresh-token grant (Google, HubSpot,
 * LinkedIn, Microsoft, Salesforce) or a signed assertion (Salesforce JWT bearer). The provider
 * passes the newest refresh token it holds, since rotation replaces it on every use.
 */
export interface RefreshGrant {
  readonly provider: string;
  /** Whether this grant needs a refresh token at all (the JWT bearer flow does not). */
  readonly usesRefreshToken: boolean;
  mint(refreshToken: string | undefined): Promise<GrantResult>;
}
