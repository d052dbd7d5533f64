import type { SendContext } from '../../contract/context.js';
import type { BatchItem, RowResult } from '../../contract/result.js';
import { rowResult, wholeBatch } from '../../contract/row-results.js';
import { classifyHttp } from '../../http/classify.js';
import { exchangeJson, joinUrl } from '../../http/request.js';
import type { CustomerIoConfig } from './config.js';
import type { CustomerIoEntry } from './map.js';

interface EntryError { batch_index?: number; reason?: string; field?: string; message?: string }

/**
 * Sends one batch to `POST /api/v2/batch` with HTTP Basic `site_id:api_key` (§8.2). A 200 means
 * every entry was accepted; a 207 lists refused entries by `batch_index`; a 400 without indexes
 * refuses the request as a whole (rows marked `isolate`).
 */
export async function sendCustomerIo(batch: readonly BatchItem<CustomerIoEntry>[], ctx: SendContext<CustomerIoConfig>): Promise<RowResult<CustomerIoEntry>[]> {
  const basic = Buffer.from(`${ctx.config.siteId}:${ctx.config.apiKey}`, 'utf8').toString('base64');
  const ex = await exchangeJson(ctx, {
    method: 'POST',
    url: joinUrl(ctx.config.endpoint, 'api/v2/batch'),
    headers: { authorization: `Basic ${basic}` },
    body: { batch: batch.map((i) => i.payload) },
  });
  if (!ex.ok) return wholeBatch(batch, ex.failure);
  const { answer } = ex;
  const c = classifyHttp(answer, ctx.clock.now());
  const vendor = { httpStatus: answer.status, body: answer.body };
  if (c.kind !== 'success') return wholeBatch(batch, c, { answer: vendor, isolate: answer.status === 400 });
  const errors = (answer.body as { errors?: EntryError[] } | undefined)?.errors ?? [];
  const refused = new Map<number, EntryError>();
  for (const e of Array.isArray(errors) ? errors : []) if (typeof e.batch_index === 'number' && !refused.has(e.batch_index)) refused.set(e.batch_index, e);
  if (answer.status === 207 && refused.size === 0) {
    return wholeBatch(batch, { kind: 'retryable', reason: 'Customer.io answered 207 without naming the refused entries', code: 'UNEXPECTED_BODY' }, { answer: vendor });
  }
  return batch.map((item, i) => {
    const e = refused.get(i);
    if (!e) return rowResult(item, { kind: 'success' }, { answer: vendor });
    return rowResult(item, { kind: 'permanent', reason: `Customer.io refused batch[${i}]${e.field ? ` (${e.field})` : ''}: ${e.message ?? e.reason ?? ''}`, code: e.reason ?? 'INVALID' }, { answer: { httpStatus: answer.status, body: e } });
  });
}
