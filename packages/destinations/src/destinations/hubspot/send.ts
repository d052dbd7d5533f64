import type { SendContext } from '../../contract/context.js';
import type { BatchItem, RowResult } from '../../contract/result.js';
import { rowResult, wholeBatch } from '../../contract/row-results.js';
import { classifyHttp } from '../../http/classify.js';
import { joinUrl } from '../../http/request.js';
import { authFailureResults, exchangeAuthorized, tokenSource } from '../../auth/authorized-exchange.js';
import { hubspotRule, RETRYABLE_CATEGORIES } from './classify-hubspot.js';
import type { HubspotConfig } from './config.js';
import { matchAnswers } from './match-answers.js';
import { ensureProperties } from './properties.js';
import { isArchive, type HubspotArchiveInput, type HubspotError, type HubspotInput, type HubspotResult, type HubspotUpsertInput } from './payload.js';
import { sendArchives } from './archive.js';

const path = (version: HubspotConfig['apiVersion']) =>
  version === 'v3' ? 'crm/v3/objects/contacts/batch/upsert' : `crm/objects/${version}/contacts/batch/upsert`;

/**
 * Sends one batch: upserts to `contacts/batch/upsert`, the removed rows of a mirror sync through
 * `batch/read` + `batch/archive` ({@link sendArchives}); results come back in batch order.
 */
export async function sendHubspot(batch: readonly BatchItem<HubspotInput>[], ctx: SendContext<HubspotConfig>): Promise<RowResult<HubspotInput>[]> {
  const upserts = batch.filter((i): i is BatchItem<HubspotUpsertInput> => !isArchive(i.payload));
  const archives = batch.filter((i): i is BatchItem<HubspotArchiveInput> => isArchive(i.payload));
  const results = new Map<BatchItem<HubspotInput>['ref'], RowResult<HubspotInput>>();
  if (upserts.length > 0) for (const r of await sendUpserts(upserts, ctx)) results.set(r.ref, r);
  if (archives.length > 0) for (const r of await sendArchives(archives, ctx)) results.set(r.ref, r);
  return batch.map((i) => results.get(i.ref)!);
}

/**
 * Sends upserts to `contacts/batch/upsert`. A 200 or 207 answer carries `results[]` and
 * (207) `errors[]` in no particular order; each is matched back to its row (see
 * {@link matchAnswers}). A row that neither mentions comes back retryable.
 */
async function sendUpserts(
  batch: readonly BatchItem<HubspotUpsertInput>[],
  ctx: SendContext<HubspotConfig>,
): Promise<RowResult<HubspotUpsertInput>[]> {
  const { config } = ctx;
  const setup = await ensureProperties(ctx);
  if (!setup.ok) {
    if ('auth' in setup) return authFailureResults(batch, setup.auth, setup.answer);
    return wholeBatch(batch, setup.failure, setup.answer ? { answer: { httpStatus: setup.answer.status, body: setup.answer.body } } : {});
  }
  const inputs = batch.map((i) => i.payload);
  const ex = await exchangeAuthorized(ctx, tokenSource(ctx), (t) => ({
    method: 'POST',
    url: joinUrl(config.endpoint, path(config.apiVersion)),
    headers: { authorization: `Bearer ${t.accessToken}` },
    body: { inputs },
  }));
  if (!ex.ok) return 'auth' in ex ? authFailureResults(batch, ex.auth, ex.answer) : wholeBatch(batch, ex.failure);
  const { answer } = ex;
  const c = classifyHttp(answer, ctx.clock.now(), [hubspotRule]);
  const whole = { httpStatus: answer.status, body: answer.body };
  if (c.kind !== 'success') {
    // A 400 for the batch can be one input's fault (a bad enum option); duplicates and auth are not.
    const msg = String((answer.body as { message?: unknown } | undefined)?.message ?? '');
    const isolate = answer.status === 400 && !/duplicate ids/i.test(msg);
    return wholeBatch(batch, c, { answer: whole, isolate });
  }
  const body = (answer.body ?? {}) as { results?: HubspotResult[]; errors?: HubspotError[] };
  const matched = matchAnswers(inputs, body.results ?? [], body.errors ?? []);
  return batch.map((item, i) => {
    const error = matched.errors.get(i);
    if (error) {
      const category = error.category ?? 'UNKNOWN';
      const detail = error.errors?.[0];
      const kind = RETRYABLE_CATEGORIES.has(category) ? 'retryable' : 'permanent';
      return rowResult(item, {
        kind,
        reason: `HubSpot ${category}${detail?.code ? `/${detail.code}` : ''} for ${item.payload.idProperty}=${item.payload.id}: ${error.message ?? detail?.message ?? ''}`,
        code: detail?.code ?? category,
      }, { answer: { httpStatus: answer.status, body: error } });
    }
    const result = matched.results.get(i);
    if (result) return rowResult(item, { kind: 'success' }, { answer: { httpStatus: answer.status, body: result } });
    return rowResult(item, { kind: 'retryable', reason: 'HubSpot reported neither a result nor an error for this input', code: 'NO_RESULT' }, { answer: whole });
  });
}
