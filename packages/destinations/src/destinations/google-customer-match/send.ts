import { authFailureResults, exchangeAuthorized, tokenSource } from '../../auth/authorized-exchange.js';
import type { SendContext } from '../../contract/context.js';
import type { BatchItem, RowResult } from '../../contract/result.js';
import { refusedAt, wholeBatch, type NamedRefusal } from '../../contract/row-results.js';
import { classifyHttp } from '../../http/classify.js';
import { joinUrl } from '../../http/request.js';
import { googleRule } from '../google-data-manager/classify-google.js';
import { googleFieldViolations, googleStatus, violationEventIndex } from '../google-data-manager/google-status.js';
import { withReceipt } from '../google-data-manager/request-status.js';
import type { GoogleCustomerMatchConfig } from './config.js';
import type { CustomerMatchMember } from './map.js';

/** One request: all the adds, or all the removes, of a batch. */
async function sendOp(batch: readonly BatchItem<CustomerMatchMember>[], op: 'add' | 'remove', ctx: SendContext<GoogleCustomerMatchConfig>): Promise<RowResult<CustomerMatchMember>[]> {
  const { config } = ctx;
  const account = (accountId: string) => ({ accountType: 'GOOGLE_ADS', accountId });
  const sentAt = ctx.clock.now();
  const ex = await exchangeAuthorized(ctx, tokenSource(ctx), (t) => ({
    method: 'POST',
    url: joinUrl(config.endpoint, op === 'add' ? 'v1/audienceMembers:ingest' : 'v1/audienceMembers:remove'),
    headers: { authorization: `Bearer ${t.accessToken}` },
    body: {
      destinations: [{ operatingAccount: account(config.operatingAccountId), ...(config.loginAccountId ? { loginAccount: account(config.loginAccountId) } : {}), productDestinationId: config.userListId }],
      audienceMembers: batch.map((i) => i.payload.member),
      encoding: 'HEX',
      validateOnly: config.validateOnly,
      ...(op === 'add' ? { termsOfService: { customerMatchTermsOfServiceStatus: 'ACCEPTED' } } : {}),
    },
  }));
  if (!ex.ok) return 'auth' in ex ? authFailureResults(batch, ex.auth, ex.answer) : wholeBatch(batch, ex.failure);
  const { answer } = ex;
  const c = classifyHttp(answer, ctx.clock.now(), [googleRule]);
  const vendor = { httpStatus: answer.status, body: answer.body };
  if (c.kind === 'success') return withReceipt(wholeBatch(batch, c, { answer: vendor }), answer.body, sentAt);
  if (c.kind !== 'permanent') return wholeBatch(batch, c, { answer: vendor });
  const named = new Map<number, NamedRefusal>();
  const status = googleStatus(answer.body);
  for (const v of status ? googleFieldViolations(status) : []) {
    const i = violationEventIndex(v.field);
    if (i !== undefined && i < batch.length && !named.has(i)) named.set(i, { reason: `Google refused audience_members[${i}] (${v.field}): ${v.description}`, code: v.reason ?? 'INVALID_ARGUMENT', body: v });
  }
  return refusedAt(batch, named, c, vendor);
}

/**
 * Sends a batch as up to two Data Manager requests, adds (`audienceMembers:ingest`) then removes
 * (`audienceMembers:remove`); the planner never puts one member twice in a batch, so their order
 * cannot matter within it. Both are processed asynchronously: delivered rows carry the receipt.
 */
export async function sendCustomerMatch(batch: readonly BatchItem<CustomerMatchMember>[], ctx: SendContext<GoogleCustomerMatchConfig>): Promise<RowResult<CustomerMatchMember>[]> {
  const adds = batch.filter((b) => b.payload.op === 'add');
  const removes = batch.filter((b) => b.payload.op === 'remove');
  const results = [...(adds.length ? await sendOp(adds, 'add', ctx) : []), ...(removes.length ? await sendOp(removes, 'remove', ctx) : [])];
  const byRef = new Map(results.map((r) => [r.ref, r]));
  return batch.map((b) => byRef.get(b.ref)!);
}
