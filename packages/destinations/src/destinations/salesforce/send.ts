import type { SendContext } from '../../contract/context.js';
import type { BatchItem, RowResult } from '../../contract/result.js';
import { rowResult, wholeBatch } from '../../contract/row-results.js';
import { classifyHttp } from '../../http/classify.js';
import { joinUrl, pathSegment } from '../../http/request.js';
import { authFailureResults, exchangeAuthorized, tokenSource } from '../../auth/authorized-exchange.js';
import { RETRYABLE_RECORD_CODES, salesforceRule } from './classify-salesforce.js';
import type { SalesforceConfig } from './config.js';
import { isDelete, type SalesforceDelete, type SalesforcePayload, type SalesforceRecord, type SalesforceSaveResult } from './payload.js';
import { sendDeletes } from './delete.js';

/**
 * Sends one batch: upserts through sObject Collections ({@link sendUpserts}), the removed rows of
 * a mirror sync as deletes by external id ({@link sendDeletes}); results come back in batch order.
 */
export async function sendSalesforce(batch: readonly BatchItem<SalesforcePayload>[], ctx: SendContext<SalesforceConfig>): Promise<RowResult<SalesforcePayload>[]> {
  const upserts = batch.filter((i): i is BatchItem<SalesforceRecord> => !isDelete(i.payload));
  const deletes = batch.filter((i): i is BatchItem<SalesforceDelete> => isDelete(i.payload));
  const results = new Map<BatchItem<SalesforcePayload>['ref'], RowResult<SalesforcePayload>>();
  if (upserts.length > 0) for (const r of await sendUpserts(upserts, ctx)) results.set(r.ref, r);
  if (deletes.length > 0) for (const r of await sendDeletes(deletes, ctx)) results.set(r.ref, r);
  return batch.map((i) => results.get(i.ref)!);
}

/**
 * Sends upserts as `PATCH {instance}/services/data/{v}/composite/sobjects/{SObject}/{ExtId}`
 * with `allOrNone: false`, and reads the per-record results, which come back in request order
 * (§7.3). A failed record's error names the Salesforce field; the result names the row column.
 */
async function sendUpserts(
  batch: readonly BatchItem<SalesforceRecord>[],
  ctx: SendContext<SalesforceConfig>,
): Promise<RowResult<SalesforceRecord>[]> {
  const { config } = ctx;
  // Salesforce names the instance to call in every token answer (`instance_url`, §C2).
  const ex = await exchangeAuthorized(ctx, tokenSource(ctx), (t) => ({
    method: 'PATCH',
    url: joinUrl(t.instanceUrl ?? config.endpoint, `services/data/${config.apiVersion}/composite/sobjects/${pathSegment(config.sobject)}/${pathSegment(config.externalIdField)}`),
    headers: { authorization: `Bearer ${t.accessToken}` },
    body: { allOrNone: false, records: batch.map((i) => i.payload) },
  }));
  if (!ex.ok) return 'auth' in ex ? authFailureResults(batch, ex.auth, ex.answer) : wholeBatch(batch, ex.failure);
  const { answer } = ex;
  const c = classifyHttp(answer, ctx.clock.now(), [salesforceRule]);
  if (c.kind !== 'success') return wholeBatch(batch, c, { answer: { httpStatus: answer.status, body: answer.body } });
  if (!Array.isArray(answer.body)) {
    return wholeBatch(batch, { kind: 'retryable', reason: 'Salesforce answered 2xx without a results array', code: 'UNEXPECTED_BODY' });
  }
  const results = answer.body as SalesforceSaveResult[];
  const columnOf = new Map(Object.entries(config.fields).map(([col, field]) => [field, col]));
  return batch.map((item, i) => {
    const r = results[i];
    const vendor = { httpStatus: answer.status, body: r };
    if (!r) return rowResult(item, { kind: 'retryable', reason: `Salesforce returned no result for record ${i}`, code: 'NO_RESULT' });
    if (r.success) return rowResult(item, { kind: 'success' }, { answer: vendor });
    const e = r.errors[0];
    const code = e?.statusCode ?? 'UNKNOWN';
    const sfField = e?.fields?.[0];
    const column = sfField ? columnOf.get(sfField) : undefined;
    const kind = RETRYABLE_RECORD_CODES.has(code) ? 'retryable' : 'permanent';
    const where = sfField ? ` on ${sfField}${column ? ` (row column ${column})` : ''}` : '';
    const result = rowResult(item, { kind, reason: `Salesforce ${code}${where}: ${e?.message ?? 'record failed'}`, code }, { answer: vendor });
    return column ? { ...result, field: column } : result;
  });
}
