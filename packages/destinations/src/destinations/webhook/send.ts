import { createHash } from 'node:crypto';
import type { SendContext } from '../../contract/context.js';
import type { BatchItem, RowResult } from '../../contract/result.js';
import { wholeBatch } from '../../contract/row-results.js';
import { classifyHttp, type VendorRule } from '../../http/classify.js';
import { exchangeJson } from '../../http/request.js';
import { standardWebhookHeaders } from '../../http/standard-webhooks.js';
import type { WebhookConfig } from './config.js';
import type { WebhookItem } from './map.js';

/** 410 Gone: the receiver asks to be disabled (Standard Webhooks / Svix convention, §9.2). */
const goneRule: VendorRule = (answer) =>
  answer.status === 410 ? { kind: 'permanent', reason: 'the receiver answered 410 Gone: it asks not to be sent to again; disable or fix the endpoint', code: 'ENDPOINT_GONE' } : undefined;

/**
 * A message id that is stable across retries of the same rows (Standard Webhooks: the receiver
 * dedups on `webhook-id`): derived from the rows' ids, so a resend of the same batch carries the
 * same id, and a batch split by isolation gets new ones (each row's own `id` still dedups).
 */
export const messageId = (batch: readonly BatchItem<WebhookItem>[]): string =>
  `msg_${createHash('sha256').update(batch.map((b) => b.dedupKey).join('\n')).digest('base64url').slice(0, 24)}`;

/**
 * POSTs one signed message `{type, timestamp, data: [...]}` to the receiver. The exact body bytes
 * are signed and sent. Any 2xx delivers every row; the receiver answers for the whole message, so
 * a refused multi-row message marks rows `isolate`.
 */
export async function sendWebhook(batch: readonly BatchItem<WebhookItem>[], ctx: SendContext<WebhookConfig>): Promise<RowResult<WebhookItem>[]> {
  const { config } = ctx;
  const now = ctx.clock.now();
  const body = JSON.stringify({ type: config.eventType, timestamp: new Date(now).toISOString(), data: batch.map((b) => b.payload) });
  const id = messageId(batch);
  const ex = await exchangeJson(ctx, {
    method: 'POST',
    url: config.endpoint,
    headers: { 'content-type': 'application/json', ...standardWebhookHeaders([config.secret, ...config.previousSecrets], id, Math.floor(now / 1000), body) },
    rawBody: body,
  });
  if (!ex.ok) return wholeBatch(batch, ex.failure);
  const { answer } = ex;
  const c = classifyHttp(answer, ctx.clock.now(), [goneRule]);
  const refusedForRows = c.kind === 'permanent' && answer.status >= 400 && ![401, 403, 404, 410].includes(answer.status);
  return wholeBatch(batch, c, { answer: { httpStatus: answer.status, body: answer.body }, isolate: refusedForRows });
}
