import type { SendContext } from '../../contract/context.js';
import type { BatchItem, RowResult } from '../../contract/result.js';
import { rowResult, wholeBatch } from '../../contract/row-results.js';
import { classifyHttp, type VendorRule } from '../../http/classify.js';
import { exchangeJson, joinUrl } from '../../http/request.js';
import type { BrazeConfig } from './config.js';
import type { BrazeRowPayload } from './map.js';

interface BrazeItemError { type?: string; input_array?: string; index?: number }

/** Braze's 429 names when the window resets (`X-RateLimit-Reset`, epoch seconds, §8.1). */
export const brazeRule: VendorRule = (answer, now) => {
  if (answer.status !== 429) return undefined;
  const reset = Number(answer.headers.get('x-ratelimit-reset'));
  const wait = Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - now) : undefined;
  const retryAfter = answer.headers.get('retry-after');
  if (wait === undefined || retryAfter) return undefined; // the generic rule reads Retry-After
  return { kind: 'rate_limited', reason: 'Braze rate limit reached (3,000 requests / 3 s per workspace)', code: 'HTTP_429', retryAfterMs: wait };
};

/**
 * Sends one batch to `POST /users/track` as `attributes[]` and `events[]`. A 201 may carry
 * `errors[{type, input_array, index}]`: the row whose object sits at that index of that array is
 * refused, the others were processed (§8.1). A 400 refuses the whole request without naming a
 * row: rows are marked `isolate`.
 */
export async function sendBraze(batch: readonly BatchItem<BrazeRowPayload>[], ctx: SendContext<BrazeConfig>): Promise<RowResult<BrazeRowPayload>[]> {
  const slots = { attributes: [] as number[], events: [] as number[] };
  const attributes: unknown[] = [];
  const events: unknown[] = [];
  batch.forEach((item, i) => {
    if (item.payload.attributes) slots.attributes.push(i), attributes.push(item.payload.attributes);
    if (item.payload.event) slots.events.push(i), events.push(item.payload.event);
  });
  const ex = await exchangeJson(ctx, {
    method: 'POST',
    url: joinUrl(ctx.config.endpoint, 'users/track'),
    headers: { authorization: `Bearer ${ctx.config.apiKey}` },
    body: { ...(attributes.length ? { attributes } : {}), ...(events.length ? { events } : {}) },
  });
  if (!ex.ok) return wholeBatch(batch, ex.failure);
  const { answer } = ex;
  const c = classifyHttp(answer, ctx.clock.now(), [brazeRule]);
  const vendor = { httpStatus: answer.status, body: answer.body };
  if (c.kind !== 'success') return wholeBatch(batch, c, { answer: vendor, isolate: answer.status === 400 });
  const errors = (answer.body as { errors?: BrazeItemError[] } | undefined)?.errors ?? [];
  const refused = new Map<number, BrazeItemError>();
  for (const e of Array.isArray(errors) ? errors : []) {
    const list = e.input_array === 'events' ? slots.events : e.input_array === 'attributes' ? slots.attributes : undefined;
    const row = typeof e.index === 'number' ? list?.[e.index] : undefined;
    if (row !== undefined && !refused.has(row)) refused.set(row, e);
  }
  return batch.map((item, i) => {
    const e = refused.get(i);
    if (!e) return rowResult(item, { kind: 'success' }, { answer: vendor });
    return rowResult(item, { kind: 'permanent', reason: `Braze refused ${e.input_array}[${e.index}]: ${e.type ?? 'invalid object'}`, code: 'BRAZE_OBJECT_ERROR' }, { answer: { httpStatus: answer.status, body: e } });
  });
}
