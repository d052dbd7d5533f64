import { authFailureResults, tokenSource } from '../../auth/authorized-exchange.js';
import { googleAdsClient } from '../../clients/google-ads-client.js';
import type { SendContext } from '../../contract/context.js';
import type { BatchItem, RowResult } from '../../contract/result.js';
import { rowResult, wholeBatch } from '../../contract/row-results.js';
import { classifyHttp } from '../../http/classify.js';
import { googleRule } from '../google-data-manager/classify-google.js';
import type { GoogleAdsClickConversionsConfig } from './config.js';
import { ALREADY_THERE, partialFailureByRow, TOO_EARLY } from './partial-failure.js';
import type { GoogleAdsClickConversion } from './payload.js';

/** A click younger than 6 hours is TOO_RECENT_EVENT (§1.7): look again in an hour. */
const TOO_EARLY_WAIT_MS = 3_600_000;

/**
 * Sends one batch with `partialFailure: true` (the proto: "This should always be set to true"):
 * HTTP 200 carries `partialFailureError` naming `conversions[i]`; results are positional and a
 * failed row's result is `{}` (§1.8). A row Google already has counts as delivered; a row too
 * recent to match waits an hour; every other partial error is a refusal with Google's code.
 */
export async function sendGoogleAdsClickConversions(batch: readonly BatchItem<GoogleAdsClickConversion>[], ctx: SendContext<GoogleAdsClickConversionsConfig>): Promise<RowResult<GoogleAdsClickConversion>[]> {
  const { config } = ctx;
  const ex = await googleAdsClient(config, ctx, tokenSource(ctx)).uploadClickConversions(config.customerId, {
    conversions: batch.map((i) => i.payload),
    partialFailure: true,
    validateOnly: config.validateOnly,
  });
  if (!ex.ok) return 'auth' in ex ? authFailureResults(batch, ex.auth, ex.answer) : wholeBatch(batch, ex.failure);
  const { answer } = ex;
  const c = classifyHttp(answer, ctx.clock.now(), [googleRule]);
  const vendor = { httpStatus: answer.status, body: answer.body };
  if (c.kind !== 'success') return wholeBatch(batch, c, { answer: vendor });
  const failures = partialFailureByRow(answer.body);
  const results = (answer.body as { results?: unknown[] } | undefined)?.results ?? [];
  return batch.map((item, i) => {
    const f = failures.get(i);
    const mine = { answer: { httpStatus: answer.status, body: f ?? results[i] } };
    if (!f) return rowResult(item, { kind: 'success' }, mine);
    if (ALREADY_THERE.has(f.code)) return { ...rowResult(item, { kind: 'success' }, mine), code: f.code, reason: `Google already has this conversion (${f.code})` };
    if (TOO_EARLY.has(f.code)) return rowResult(item, { kind: 'retryable', reason: `Google: ${f.message ?? f.code}; try again later`, code: f.code, retryAfterMs: TOO_EARLY_WAIT_MS }, mine);
    const hint = f.code === 'CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE' ? '; this developer token may not upload click conversions since 2026-06-15: use the google-data-manager destination' : '';
    return rowResult(item, { kind: 'permanent', reason: `Google refused conversions[${i}] (${f.code}): ${f.message ?? ''}${hint}`, code: f.code }, mine);
  });
}
