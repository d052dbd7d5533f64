import { createSign, type KeyObject } from 'node:crypto';

const b64url = (s: string | Buffer): string => Buffer.from(s).toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/**
 * Signs a JWT with RS256 (RFC 7515/7519) using node:crypto: the assertion of the OAuth 2.0 JWT
 * bearer flow (RFC 7523), as Salesforce's server-to-server flow takes it
 * (reporting-and-spend.md §C2: iss = consumer key, sub = username, aud = login URL).
 */
export function signJwtRs256(claims: Readonly<Record<string, string | number>>, privateKey: string | KeyObject): string {
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const payload = b64url(JSON.stringify(claims));
  const signer = createSign('RSA-SHA256');
  signer.update(`${header}.${payload}`);
  return `${header}.${payload}.${b64url(signer.sign(privateKey))}`;
}
