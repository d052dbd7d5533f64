import { authFailureResults, tokenSource } from '../../auth/authorized-exchange.js';
import { tiktokBatchIndex, tiktokClient, tiktokEnvelope, tiktokRule, TIKTOK_CODES } from '../../clients/tiktok-client.js';
import type { SendContext } from '../../contract/context.js';
import type { BatchItem, RowResult } from '../../contract/result.js';
import { refusedAt, wholeBatch, type NamedRefusal } from '../../contract/row-results.js';
import { classifyHttp } from '../../http/classify.js';
import type { TiktokEventsConfig } from './config.js';
import type { TiktokEvent } from './payload.js';

/**
 * Sends one batch to `POST /open_api/v1.3/event/track/`. TikTok answers HTTP 200 even for errors
 * (§3.4); the one classifier's TikTok rule reads the envelope code. A 40002 naming `Batch.{i}`
 * rejects that row and leaves the others retryable (not processed).
 */
export async function sendTiktokEvents(batch: readonly BatchItem<TiktokEvent>[], ctx: SendContext<TiktokEventsConfig>): Promise<RowResult<TiktokEvent>[]> {
  const { config } = ctx;
  const ex = await tiktokClient(config, ctx, tokenSource(ctx)).post('event/track/', {
    event_source: config.eventSource,
    event_source_id: config.eventSourceId,
    partner_name: 'Touchline',
    ...(config.testEventCode ? { test_event_code: config.testEventCode } : {}),
    data: batch.map((i) => i.payload),
  });
  if (!ex.ok) return 'auth' in ex ? authFailureResults(batch, ex.auth, ex.answer) : wholeBatch(batch, ex.failure);
  const { answer } = ex;
  const c = classifyHttp(answer, ctx.clock.now(), [tiktokRule]);
  const vendor = { httpStatus: answer.status, body: answer.body };
  const env = tiktokEnvelope(answer.body);
  if (c.kind !== 'permanent' || Number(env?.code) !== TIKTOK_CODES.invalidParams) return wholeBatch(batch, c, { answer: vendor });
  const i = tiktokBatchIndex(env?.message);
  const named = new Map<number, NamedRefusal>();
  if (i !== undefined && i < batch.length) named.set(i, { reason: `TikTok refused data[${i}]: ${String(env?.message)}`, code: '40002' });
  return refusedAt(batch, named, c, vendor);
}
