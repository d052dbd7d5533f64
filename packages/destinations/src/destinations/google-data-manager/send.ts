import type { SendContext } from '../../contract/context.js';
import type { BatchItem, RowResult } from '../../contract/result.js';
import { rowResult, wholeBatch } from '../../contract/row-results.js';
import { classifyHttp } from '../../http/classify.js';
import { joinUrl } from '../../http/request.js';
import { authFailureResults, exchangeAuthorized, tokenSource } from '../../auth/authorized-exchange.js';
import { googleRule } from './classify-google.js';
import type { GoogleDataManagerConfig } from './config.js';
import { googleFieldViolations, googleStatus, violationEventIndex } from './google-status.js';
import type { DataManagerEvent } from './payload.js';
import { withReceipt } from './request-status.js';

/** The `IngestEventsRequest` for a batch (activation-contracts.md §1.11). */
export function ingestRequest(batch: readonly BatchItem<DataManagerEvent>[], config: GoogleDataManagerConfig) {
  const account = (accountId: string) => ({ accountType: 'GOOGLE_ADS', accountId });
  const events = batch.map((i) => i.payload);
  return {
    destinations: [
      {
        reference: config.destinationReference,
        operatingAccount: account(config.operatingAccountId),
        ...(config.loginAccountId ? { loginAccount: account(config.loginAccountId) } : {}),
        productDestinationId: config.conversionActionId,
      },
    ],
    events,
    // Required whenever userData is present; harmless otherwise.
    encoding: 'HEX',
    validateOnly: config.validateOnly,
  };
}

/**
 * Sends one batch to `POST {endpoint}/v1/events:ingest`. Data Manager fails fast: one bad event
 * fails the request. When its field violations name `events[i]`, those rows are rejected and the
 * others come back retryable (not processed, resend without the bad rows); when they name no
 * event, every row is marked `isolate`.
 */
export async function sendGoogleDataManager(
  batch: readonly BatchItem<DataManagerEvent>[],
  ctx: SendContext<GoogleDataManagerConfig>,
): Promise<RowResult<DataManagerEvent>[]> {
  const { config } = ctx;
  const sentAt = ctx.clock.now();
  const ex = await exchangeAuthorized(ctx, tokenSource(ctx), (t) => ({
    method: 'POST',
    url: joinUrl(config.endpoint, 'v1/events:ingest'),
    headers: { authorization: `Bearer ${t.accessToken}` },
    body: ingestRequest(batch, config),
  }));
  if (!ex.ok) return 'auth' in ex ? authFailureResults(batch, ex.auth, ex.answer) : wholeBatch(batch, ex.failure);
  const { answer } = ex;
  const c = classifyHttp(answer, ctx.clock.now(), [googleRule]);
  const vendor = { httpStatus: answer.status, body: answer.body };
  // Accepted is not yet processed: the rows carry the request's receipt for `outcomes.collect`.
  if (c.kind === 'success') return withReceipt(wholeBatch(batch, c, { answer: vendor }), answer.body, sentAt);
  if (c.kind !== 'permanent') return wholeBatch(batch, c, { answer: vendor });

  const status = googleStatus(answer.body);
  const byIndex = new Map<number, { field: string; description: string; reason?: string }>();
  for (const v of status ? googleFieldViolations(status) : []) {
    const i = violationEventIndex(v.field);
    if (i !== undefined && i < batch.length && !byIndex.has(i)) byIndex.set(i, v);
  }
  if (byIndex.size === 0) return wholeBatch(batch, c, { answer: vendor, isolate: true });
  return batch.map((item, i) => {
    const v = byIndex.get(i);
    if (v) {
      return rowResult(item, {
        kind: 'permanent',
        reason: `Google refused events[${i}] (${v.field}): ${v.description}`,
        code: v.reason ?? c.code ?? 'INVALID_ARGUMENT',
      }, { answer: { httpStatus: answer.status, body: v } });
    }
    return rowResult(item, {
      kind: 'retryable',
      reason: 'not processed: Data Manager failed the request fast on another event; resend without it',
      code: 'NOT_PROCESSED',
    }, { answer: vendor });
  });
}
