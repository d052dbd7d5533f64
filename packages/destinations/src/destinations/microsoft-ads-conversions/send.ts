import { authFailureResults, tokenSource } from '../../auth/authorized-exchange.js';
import { microsoftAdsClient, microsoftRule } from '../../clients/microsoft-ads-client.js';
import type { SendContext } from '../../contract/context.js';
import type { BatchItem, RowResult } from '../../contract/result.js';
import { rowResult, wholeBatch } from '../../contract/row-results.js';
import { classifyHttp } from '../../http/classify.js';
import type { MicrosoftAdsConversionsConfig } from './config.js';
import type { MicrosoftOfflineConversion } from './payload.js';

interface BatchError { Code?: number; ErrorCode?: string; Index?: number; Message?: string; Details?: string }

/**
 * Sends one batch to `POST /CampaignManagement/v13/OfflineConversions/Apply`. HTTP 200 carries
 * `PartialErrors[]` naming each refused row by `Index`; `null` or `[]` means all applied (§5.1).
 * The ErrorCode strings are not verified (§13), so every partial error is a permanent refusal
 * reported with Microsoft's own code and message.
 */
export async function sendMicrosoftConversions(batch: readonly BatchItem<MicrosoftOfflineConversion>[], ctx: SendContext<MicrosoftAdsConversionsConfig>): Promise<RowResult<MicrosoftOfflineConversion>[]> {
  const ex = await microsoftAdsClient(ctx.config, ctx, tokenSource(ctx)).post('CampaignManagement/v13/OfflineConversions/Apply', {
    OfflineConversions: batch.map((i) => i.payload),
  });
  if (!ex.ok) return 'auth' in ex ? authFailureResults(batch, ex.auth, ex.answer) : wholeBatch(batch, ex.failure);
  const { answer } = ex;
  const c = classifyHttp(answer, ctx.clock.now(), [microsoftRule]);
  const vendor = { httpStatus: answer.status, body: answer.body };
  if (c.kind !== 'success') return wholeBatch(batch, c, { answer: vendor });
  const partial = (answer.body as { PartialErrors?: BatchError[] | null } | undefined)?.PartialErrors ?? [];
  const byIndex = new Map<number, BatchError>();
  for (const e of Array.isArray(partial) ? partial : []) if (typeof e.Index === 'number' && !byIndex.has(e.Index)) byIndex.set(e.Index, e);
  return batch.map((item, i) => {
    const e = byIndex.get(i);
    if (!e) return rowResult(item, { kind: 'success' }, { answer: vendor });
    return rowResult(item, {
      kind: 'permanent',
      reason: `Microsoft Advertising refused OfflineConversions[${i}] (${e.Code ?? '?'} ${e.ErrorCode ?? ''}): ${e.Message ?? ''}${e.Details ? ` ${e.Details}` : ''}`,
      code: e.ErrorCode ?? String(e.Code ?? 'BatchError'),
    }, { answer: { httpStatus: answer.status, body: e } });
  });
}
