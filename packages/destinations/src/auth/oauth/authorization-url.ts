import { createHash, randomBytes } from 'node:crypto';

/** A PKCE pair (RFC 7636): keep the verifier for the code exchange, send the challenge. */
export interface Pkce {
  readonly verifier: string;
  readonly challenge: string;
  readonly method: 'S256';
}

const base64url = (b: Buffer): string => b.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** S256 challenge of a verifier. */
export const pkceChallenge = (verifier: string): string => base64url(createHash('sha256').update(verifier, 'ascii').digest());

/** Makes a PKCE pair; `random` is injectable so tests are deterministic. */
export function createPkce(random: (bytes: number) => Buffer = randomBytes): Pkce {
  const verifier = base64url(random(32));
  return { verifier, challenge: pkceChallenge(verifier), method: 'S256' };
}

/** What every authorization URL carries. */
export interface AuthorizationRequest {
  readonly clientId: string;
  /** The admin listener's callback route, registered with the vendor. */
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  /** Opaque, unguessable, checked on the callback (CSRF). */
  readonly state: string;
  /** From {@link createPkce}; recommended everywhere it is supported. */
  readonly pkce?: Pkce;
}

/** Builds `base?response_type=code&client_id=...` with every value URL-encoded. */
export function authorizationUrl(base: string, req: AuthorizationRequest, extra: Readonly<Record<string, string>> = {}, scopeSeparator = ' '): string {
  if (!req.state) throw new RangeError('authorization URL: state is required (it protects the callback against CSRF)');
  const url = new URL(base);
  const params: Record<string, string> = {
    response_type: 'code',
    client_id: req.clientId,
    redirect_uri: req.redirectUri,
    scope: req.scopes.join(scopeSeparator),
    state: req.state,
    ...(req.pkce ? { code_challenge: req.pkce.challenge, code_challenge_method: req.pkce.method } : {}),
    ...extra,
  };
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}
