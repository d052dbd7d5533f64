import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks signing (standardwebhooks.com, Svix-compatible; activation-contracts.md §9.2):
 * the signed content is `{webhook-id}.{webhook-timestamp}.{body}`; the signature
 * `v1,<base64 HMAC-SHA256>` is keyed with the base64-decoded part of a `whsec_` secret; during a
 * key rotation `webhook-signature` carries one signature per secret, space-separated.
 */
export function secretKey(secret: string): Buffer {
  const b64 = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new RangeError('a webhook secret is "whsec_" followed by base64');
  return Buffer.from(b64, 'base64');
}

/** `v1,<base64>` for one secret. */
export function signV1(secret: string, id: string, timestampS: number, body: string): string {
  return `v1,${createHmac('sha256', secretKey(secret)).update(`${id}.${timestampS}.${body}`, 'utf8').digest('base64')}`;
}

/** The three headers of one message, signed with every given secret. */
export function standardWebhookHeaders(secrets: readonly string[], id: string, timestampS: number, body: string): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampS),
    'webhook-signature': secrets.map((s) => signV1(s, id, timestampS, body)).join(' '),
  };
}

/**
 * A receiver's check: some `v1` signature matches (constant-time) and the timestamp is within
 * `toleranceS` of now (default ±5 minutes, against replays).
 */
export function verifyStandardWebhook(
  secret: string,
  headers: Readonly<Record<string, string | undefined>>,
  body: string,
  nowMs: number,
  toleranceS = 300,
): { ok: true } | { ok: false; reason: 'missing_headers' | 'timestamp' | 'signature' } {
  const id = headers['webhook-id'];
  const ts = headers['webhook-timestamp'];
  const sigs = headers['webhook-signature'];
  if (!id || !ts || !sigs || !/^\d+$/.test(ts)) return { ok: false, reason: 'missing_headers' };
  if (Math.abs(nowMs / 1000 - Number(ts)) > toleranceS) return { ok: false, reason: 'timestamp' };
  const expected = Buffer.from(signV1(secret, id, Number(ts), body).slice(3), 'base64');
  const match = sigs.split(' ').some((s) => {
    if (!s.startsWith('v1,')) return false;
    const got = Buffer.from(s.slice(3), 'base64');
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
  return match ? { ok: true } : { ok: false, reason: 'signature' };
}
