import type { SendContext } from '../../contract/context.js';
import type { BatchItem, RowResult } from '../../contract/result.js';
import type { RowRef } from '../../contract/row.js';
import { rowResult, wholeBatch } from '../../contract/row-results.js';
import { classifyHttp } from '../../http/classify.js';
import { joinUrl } from '../../http/request.js';
import { authFailureResults, exchangeAuthorized, tokenSource } from '../../auth/authorized-exchange.js';
import { hubspotRule } from './classify-hubspot.js';
import type { HubspotConfig } from './config.js';
import type { HubspotArchiveInput, HubspotResult } from './payload.js';

const objects = (version: HubspotConfig['apiVersion']) => (version === 'v3' ? 'crm/v3/objects/contacts' : `crm/objects/${version}/contacts`);

type Failed = { readonly ok: false; readonly results: RowResult<HubspotArchiveInput>[] };

/** One authorized POST, classified; a failure is every row's result. */
async function post(batch: readonly BatchItem<HubspotArchiveInput>[], ctx: SendContext<HubspotConfig>, path: string, body: unknown) {
  const ex = await exchangeAuthorized(ctx, tokenSource(ctx), (t) => ({
    method: 'POST',
    url: joinUrl(ctx.config.endpoint, `${objects(ctx.config.apiVersion)}/${path}`),
    headers: { authorization: `Bearer ${t.accessToken}` },
    body,
  }));
  if (!ex.ok) return { ok: false, results: 'auth' in ex ? authFailureResults(batch, ex.auth, ex.answer) : wholeBatch(batch, ex.failure) } satisfies Failed;
  const c = classifyHttp(ex.answer, ctx.clock.now(), [hubspotRule]);
  if (c.kind !== 'success') return { ok: false, results: wholeBatch(batch, c, { answer: { httpStatus: ex.answer.status, body: ex.answer.body } }) } satisfies Failed;
  return { ok: true, answer: ex.answer } as const;
}

/**
 * Record ids by id-property value, through `batch/read` with `idProperty` (batch archive takes
 * record ids only). A contact HubSpot does not find (207 OBJECT_NOT_FOUND) is left out: it is
 * already gone, so there is nothing to archive.
 */
async function recordIds(batch: readonly BatchItem<HubspotArchiveInput>[], ctx: SendContext<HubspotConfig>): Promise<Failed | { ok: true; ids: Map<string, string> }> {
  const idProperty = ctx.config.idProperty;
  const read = await post(batch, ctx, 'batch/read', { idProperty, properties: [idProperty], inputs: batch.map((i) => ({ id: i.payload.id })) });
  if (!read.ok) return read;
  const results = ((read.answer.body ?? {}) as { results?: HubspotResult[] }).results ?? [];
  const ids = new Map<string, string>();
  for (const r of results) {
    const value = r.properties?.[idProperty];
    if (typeof value === 'string') ids.set(idProperty === 'email' ? value.toLowerCase() : value, r.id);
  }
  return { ok: true, ids };
}

/**
 * Archives the contacts of a mirror sync's removed rows: `batch/read` by the id property, then
 * `batch/archive` with the record ids found (HubSpot answers 204, no body). Each row's result
 * names the record archived, or that HubSpot had no such contact.
 */
export async function sendArchives(
  batch: readonly BatchItem<HubspotArchiveInput>[],
  ctx: SendContext<HubspotConfig>,
): Promise<RowResult<HubspotArchiveInput>[]> {
  const found = await recordIds(batch, ctx);
  if (!found.ok) return found.results;
  const present = batch.filter((i) => found.ids.has(i.payload.id));
  // A refused archive fails the rows it carried; the rows HubSpot had no contact for are done.
  const failed = new Map<RowRef, RowResult<HubspotArchiveInput>>();
  if (present.length > 0) {
    const archived = await post(present, ctx, 'batch/archive', { inputs: present.map((i) => ({ id: found.ids.get(i.payload.id)! })) });
    if (!archived.ok) for (const r of archived.results) failed.set(r.ref, r);
  }
  return batch.map((item) => {
    const failure = failed.get(item.ref);
    if (failure) return failure;
    const recordId = found.ids.get(item.payload.id);
    const body = recordId ? { archived: recordId } : { archived: null, reason: 'no such contact in HubSpot' };
    return rowResult(item, { kind: 'success' }, { answer: { httpStatus: recordId ? 204 : 200, body } });
  });
}
