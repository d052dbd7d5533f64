import type { SendContext } from '../../contract/context.js';
import type { BatchItem, RowResult } from '../../contract/result.js';
import { refusedAt, wholeBatch, type NamedRefusal } from '../../contract/row-results.js';
import { classifyHttp, type VendorRule } from '../../http/classify.js';
import { exchangeJson, joinUrl } from '../../http/request.js';
import { parseRetryAfter } from '../../http/retry-after.js';
import type { AmplitudeConfig } from './config.js';
import type { AmplitudeEvent } from './map.js';

/** Throttled users and devices pause 30 s (reporting-and-spend.md §D1); 413 means split. */
const amplitudeRule: VendorRule = (answer, now) => {
  if (answer.status === 429) {
    const wait = parseRetryAfter(answer.headers.get('retry-after'), now) ?? 30_000;
    return { kind: 'rate_limited', reason: 'Amplitude throttled users or devices in this batch (30 events/s each); they pause 30 s', code: 'HTTP_429', retryAfterMs: wait };
  }
  return undefined;
};

type IndexMap = Record<string, number[]>;

/**
 * Sends one batch to `POST /2/httpapi`. A 400 refuses the whole request but names the bad events
 * by index (`events_with_invalid_fields`, `events_with_missing_fields`): those rows are rejected,
 * the others were not ingested and stay retryable. A 413 (payload too large) marks rows
 * `isolate` so they go again in smaller requests.
 */
export async function sendAmplitude(batch: readonly BatchItem<AmplitudeEvent>[], ctx: SendContext<AmplitudeConfig>): Promise<RowResult<AmplitudeEvent>[]> {
  const ex = await exchangeJson(ctx, {
    method: 'POST',
    url: joinUrl(ctx.config.endpoint, '2/httpapi'),
    headers: {},
    body: { api_key: ctx.config.apiKey, events: batch.map((i) => i.payload), options: { min_id_length: ctx.config.minIdLength } },
  });
  if (!ex.ok) return wholeBatch(batch, ex.failure);
  const { answer } = ex;
  const c = classifyHttp(answer, ctx.clock.now(), [amplitudeRule]);
  const vendor = { httpStatus: answer.status, body: answer.body };
  if (c.kind !== 'permanent' || answer.status !== 400) return wholeBatch(batch, c, { answer: vendor, isolate: answer.status === 413 });
  const b = (answer.body ?? {}) as { error?: string; events_with_invalid_fields?: IndexMap; events_with_missing_fields?: IndexMap };
  const named = new Map<number, NamedRefusal>();
  for (const [kind, map] of [['invalid', b.events_with_invalid_fields], ['missing', b.events_with_missing_fields]] as const) {
    for (const [field, indexes] of Object.entries(map ?? {})) {
      for (const i of Array.isArray(indexes) ? indexes : []) {
        if (i < batch.length && !named.has(i)) named.set(i, { reason: `Amplitude: events[${i}] has ${kind} field ${field} (${b.error ?? 'invalid'})`, code: `${kind.toUpperCase()}_FIELD` });
      }
    }
  }
  return refusedAt(batch, named, c, vendor);
}
