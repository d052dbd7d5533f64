/**
 * A receiver of Touchline's signed webhooks, as a Standard Webhooks consumer would write one.
 *
 * Follows (shared/research/activation-contracts.md §9.2; https://www.standardwebhooks.com/ and
 * its spec's verification section):
 * - `webhook-id`, `webhook-timestamp`, `webhook-signature` (`v1,<base64 HMAC-SHA256>` over
 *   `id.timestamp.body`, keyed with the base64 part of the `whsec_` secret; several signatures
 *   space-separated during a rotation); constant-time comparison; timestamps outside ±5 minutes
 *   refused (replays); 401 for any failed check;
 * - dedup on `webhook-id` (the message) and on each row's `id` (Touchline's contract, README);
 * - Touchline's documented message limits: at most 100 rows and 1 MiB, else 413;
 * - answers 2xx to accept; a 410 asks the sender to stop (scriptable).
 */
import { Buffer } from 'node:buffer';
import { verifyStandardWebhook } from '../../http/standard-webhooks.js';
import type { StandIn } from '../stand-in-types.js';
import { startStandIn, type StandInOptions, type VendorContract } from '../stand-in-server.js';
import { asArray, isNonEmptyString, isObject, type Json } from '../json-shape.js';

const VALID = 'valid-signature';

export interface WebhookReceiverOptions extends Omit<StandInOptions, 'accessToken' | 'tokens'> {
  /** The secret the receiver verifies with. */
  readonly secret: string;
  /** @defaultValue '/hooks/touchline' */
  readonly path?: string;
}

export interface WebhookReceiver extends StandIn<Json> {
  /** Message ids received (duplicates included). */
  readonly messageIds: readonly string[];
}

/** Starts the receiver on a free port; point the webhook destination at `${url}${path}`. */
export async function startWebhookReceiver(options: WebhookReceiverOptions): Promise<WebhookReceiver> {
  const clock = options.clock ?? { now: () => Date.now() };
  const path = options.path ?? '/hooks/touchline';
  const messageIds: string[] = [];
  const contract: VendorContract<Json> = {
    name: 'webhook',
    dedupWindowMs: Infinity,
    route: (r) => r.method === 'POST' && r.path === path,
    notFound: () => ({ status: 404, body: { error: 'not found' } }),
    credential: (r) => {
      const v = verifyStandardWebhook(options.secret, r.headers, r.rawBody, clock.now());
      return v.ok ? VALID : `refused:${v.reason}`;
    },
    unauthorized: (r) => {
      const v = verifyStandardWebhook(options.secret, r.headers, r.rawBody, clock.now());
      return { status: 401, body: { error: `webhook verification failed: ${v.ok ? 'unknown' : v.reason}` } };
    },
    rateLimited: (ms) => ({ status: 429, headers: { 'retry-after': String(Math.max(1, Math.ceil(ms / 1000))) }, body: { error: 'slow down' } }),
    errorBody: (status) => ({ error: `injected ${status}` }),
    handle(req, ctx) {
      if (Buffer.byteLength(req.rawBody) > 1024 * 1024) return { status: 413, body: { error: 'message larger than 1 MiB' } };
      const b = isObject(req.body) ? req.body : {};
      const data = asArray(b['data']);
      if (!isNonEmptyString(b['type']) || !isNonEmptyString(b['timestamp']) || !data || data.length === 0) return { status: 400, body: { error: 'type, timestamp and data[] are required' } };
      if (data.length > 100) return { status: 413, body: { error: 'at most 100 rows per message' } };
      if (!data.every((d) => isObject(d) && isNonEmptyString(d['id']) && isObject(d['row']))) return { status: 400, body: { error: 'each data item needs id and row' } };
      if (ctx.partial && ctx.partial.indexes.some((i) => i < data.length)) return { status: 422, body: { error: `row ${ctx.partial.indexes[0]} refused (scripted)` } };
      messageIds.push(req.headers['webhook-id']!);
      for (const d of data as Json[]) ctx.accept(String(d['id']), d);
      return { status: 204 };
    },
  };
  const base = await startStandIn(contract, { ...options, accessToken: VALID });
  const reset = base.reset;
  return Object.assign(base, { messageIds, reset: () => (reset(), (messageIds.length = 0)) });
}
