import { authFailureResults, tokenSource } from '../../auth/authorized-exchange.js';
import { linkedinClient, linkedinError, linkedinIndexes, linkedinRule } from '../../clients/linkedin-client.js';
import type { SendContext } from '../../contract/context.js';
import type { BatchItem, RowResult } from '../../contract/result.js';
import { refusedAt, rowResult, wholeBatch, type NamedRefusal } from '../../contract/row-results.js';
import { classifyHttp } from '../../http/classify.js';
import type { LinkedinConversionsConfig } from './config.js';
import type { LinkedinConversionEvent } from './payload.js';

interface Element { status?: number; error?: { message?: string; code?: string; serviceErrorCode?: number } }

/**
 * Sends one batch as `POST /rest/conversionEvents` with `X-RestLi-Method: BATCH_CREATE` (§4.1).
 * A 200 answers per element, positionally (`status: 201` created); a 400/422 for the whole
 * request names the bad rows ("indices [i]", "Index: i"), which are rejected while the others
 * were not processed.
 */
export async function sendLinkedinConversions(batch: readonly BatchItem<LinkedinConversionEvent>[], ctx: SendContext<LinkedinConversionsConfig>): Promise<RowResult<LinkedinConversionEvent>[]> {
  const ex = await linkedinClient(ctx.config, ctx, tokenSource(ctx)).batchCreate('conversionEvents', batch.map((i) => i.payload));
  if (!ex.ok) return 'auth' in ex ? authFailureResults(batch, ex.auth, ex.answer) : wholeBatch(batch, ex.failure);
  const { answer } = ex;
  const c = classifyHttp(answer, ctx.clock.now(), [linkedinRule]);
  const vendor = { httpStatus: answer.status, body: answer.body };
  if (c.kind === 'permanent' && (answer.status === 400 || answer.status === 422)) {
    const message = linkedinError(answer.body)?.message;
    const named = new Map<number, NamedRefusal>();
    for (const i of linkedinIndexes(message)) if (i < batch.length) named.set(i, { reason: `LinkedIn refused element ${i}: ${String(message).split('\n').filter((l) => l.includes(`Index: ${i}`) || !/Index: \d+/.test(l)).join(' ').trim()}`, code: `HTTP_${answer.status}` });
    return refusedAt(batch, named, c, vendor);
  }
  if (c.kind !== 'success') return wholeBatch(batch, c, { answer: vendor });
  const elements = (answer.body as { elements?: Element[] } | undefined)?.elements;
  if (!Array.isArray(elements)) return wholeBatch(batch, { kind: 'retryable', reason: 'LinkedIn answered 2xx without per-element statuses', code: 'UNEXPECTED_BODY' }, { answer: vendor });
  return batch.map((item, i) => {
    const e = elements[i];
    const mine = { answer: { httpStatus: answer.status, body: e } };
    if (!e) return rowResult(item, { kind: 'retryable', reason: `LinkedIn returned no status for element ${i}`, code: 'NO_RESULT' }, { answer: vendor });
    const status = Number(e.status);
    if (status >= 200 && status < 300) return rowResult(item, { kind: 'success' }, mine);
    const retry = status === 429 || status >= 500;
    return rowResult(item, { kind: retry ? (status === 429 ? 'rate_limited' : 'retryable') : 'permanent', reason: `LinkedIn element ${i}: ${status} ${e.error?.code ?? ''} ${e.error?.message ?? ''}`.trim(), code: e.error?.code ?? `HTTP_${status}` }, mine);
  });
}
