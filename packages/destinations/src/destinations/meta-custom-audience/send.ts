import { authFailureResults, exchangeAuthorized, tokenSource } from '../../auth/authorized-exchange.js';
import type { SendContext } from '../../contract/context.js';
import type { BatchItem, RowResult } from '../../contract/result.js';
import { rowResult, wholeBatch } from '../../contract/row-results.js';
import { classifyHttp } from '../../http/classify.js';
import { joinUrl, pathSegment } from '../../http/request.js';
import { graphError, graphRule } from '../meta-capi/classify-meta.js';
import type { MetaCustomAudienceConfig } from './config.js';
import { AUDIENCE_SCHEMA, type MetaAudienceMember } from './map.js';

interface UsersAnswer { num_received?: number; num_invalid_entries?: number; invalid_entry_samples?: Record<string, string> }

/** One request: `POST` (add) or `DELETE` (remove) `/{version}/{audience}/users`. */
async function sendOp(batch: readonly BatchItem<MetaAudienceMember>[], op: 'add' | 'remove', ctx: SendContext<MetaCustomAudienceConfig>): Promise<RowResult<MetaAudienceMember>[]> {
  const { config } = ctx;
  const ex = await exchangeAuthorized(ctx, tokenSource(ctx), (t) => ({
    method: op === 'add' ? 'POST' : 'DELETE',
    url: joinUrl(config.endpoint, `${config.apiVersion}/${pathSegment(config.audienceId)}/users`),
    headers: {},
    body: { payload: { schema: AUDIENCE_SCHEMA, data: batch.map((b) => b.payload.data) }, access_token: t.accessToken },
  }));
  if (!ex.ok) return 'auth' in ex ? authFailureResults(batch, ex.auth, ex.answer) : wholeBatch(batch, ex.failure);
  const { answer } = ex;
  const c = classifyHttp(answer, ctx.clock.now(), [graphRule]);
  const vendor = { httpStatus: answer.status, body: answer.body };
  if (c.kind !== 'success') {
    const isolate = c.kind === 'permanent' && graphError(answer.body)?.code === 100;
    return wholeBatch(batch, c, { answer: vendor, isolate });
  }
  const a = (answer.body ?? {}) as UsersAnswer;
  const samples = a.invalid_entry_samples ?? {};
  const invalid = a.num_invalid_entries ?? 0;
  const hit = (b: BatchItem<MetaAudienceMember>) => b.payload.data.find((v) => v !== '' && samples[v] !== undefined);
  const named = batch.filter((b) => hit(b) !== undefined).length;
  // Invalid entries Meta counted but did not show: this row may be one; adds and removes are
  // idempotent, so resending it in a smaller request is safe and tells.
  const unexplained = invalid > named;
  return batch.map((b) => {
    const v = hit(b);
    if (v !== undefined) return rowResult(b, { kind: 'permanent', reason: `Meta refused the member: ${samples[v]}`, code: 'INVALID_ENTRY' }, { answer: vendor });
    if (unexplained && batch.length > 1) return rowResult(b, { kind: 'permanent', reason: `Meta counted ${invalid} invalid entries and named ${named}; resend alone to learn this row's verdict`, code: 'UNNAMED_INVALID_ENTRIES' }, { answer: vendor, isolate: true });
    if (unexplained) return rowResult(b, { kind: 'permanent', reason: 'Meta counted this entry as invalid', code: 'INVALID_ENTRY' }, { answer: vendor });
    return rowResult(b, { kind: 'success' }, { answer: vendor });
  });
}

/**
 * Adds, then removes, a batch's members (the planner keeps one member per batch). The answer
 * counts `num_invalid_entries` and shows `invalid_entry_samples` keyed by the value sent; rows
 * whose values appear there are refused.
 */
export async function sendMetaCustomAudience(batch: readonly BatchItem<MetaAudienceMember>[], ctx: SendContext<MetaCustomAudienceConfig>): Promise<RowResult<MetaAudienceMember>[]> {
  const adds = batch.filter((b) => b.payload.op === 'add');
  const removes = batch.filter((b) => b.payload.op === 'remove');
  const results = [...(adds.length ? await sendOp(adds, 'add', ctx) : []), ...(removes.length ? await sendOp(removes, 'remove', ctx) : [])];
  const byRef = new Map(results.map((r) => [r.ref, r]));
  return batch.map((b) => byRef.get(b.ref)!);
}
