import type { SendContext } from '../../contract/context.js';
import type { BatchItem, RowResult } from '../../contract/result.js';
import { rowResult } from '../../contract/row-results.js';
import { classifyHttp } from '../../http/classify.js';
import { joinUrl, pathSegment } from '../../http/request.js';
import { authFailureResults, exchangeAuthorized, tokenSource } from '../../auth/authorized-exchange.js';
import { salesforceErrors, salesforceRule } from './classify-salesforce.js';
import type { SalesforceConfig } from './config.js';
import type { SalesforceDelete } from './payload.js';

/**
 * Deletes one record by external id: `DELETE {instance}/services/data/{v}/sobjects/{SObject}/
 * {ExternalIdField}/{value}` answers 204. A 404 `NOT_FOUND` for the record means it is already
 * gone (the row is done); a value matching several records (300) is refused, never guessed at.
 */
async function deleteOne(item: BatchItem<SalesforceDelete>, ctx: SendContext<SalesforceConfig>): Promise<RowResult<SalesforceDelete>> {
  const d = item.payload.delete;
  const ex = await exchangeAuthorized(ctx, tokenSource(ctx), (t) => ({
    method: 'DELETE',
    url: joinUrl(t.instanceUrl ?? ctx.config.endpoint, `services/data/${ctx.config.apiVersion}/sobjects/${pathSegment(d.type)}/${pathSegment(d.externalIdField)}/${pathSegment(d.externalId)}`),
    headers: { authorization: `Bearer ${t.accessToken}` },
  }));
  if (!ex.ok) return 'auth' in ex ? authFailureResults([item], ex.auth, ex.answer)[0]! : rowResult(item, ex.failure);
  const { answer } = ex;
  const vendor = { answer: { httpStatus: answer.status, body: answer.body ?? null } };
  const notFound = salesforceErrors(answer.body)[0];
  // "Provided external ID field does not exist" is a config error, not a record already gone.
  if (answer.status === 404 && notFound?.errorCode === 'NOT_FOUND' && !/external ID field/i.test(notFound.message)) return rowResult(item, { kind: 'success' }, vendor);
  if (answer.status === 300) {
    return rowResult(item, { kind: 'permanent', reason: `Salesforce found several ${d.type} records with ${d.externalIdField}=${d.externalId}; delete one by hand`, code: 'MULTIPLE_RECORDS' }, vendor);
  }
  return rowResult(item, classifyHttp(answer, ctx.clock.now(), [salesforceRule]), vendor);
}

/**
 * Deletes the records of a mirror sync's removed rows, one request each (Salesforce deletes by
 * external id only one record at a time; Collections DELETE would need the record ids first).
 */
export async function sendDeletes(batch: readonly BatchItem<SalesforceDelete>[], ctx: SendContext<SalesforceConfig>): Promise<RowResult<SalesforceDelete>[]> {
  const results: RowResult<SalesforceDelete>[] = [];
  for (const item of batch) results.push(await deleteOne(item, ctx));
  return results;
}
