import type { HubspotError, HubspotResult, HubspotUpsertInput } from './payload.js';

export interface Matched {
  readonly results: Map<number, HubspotResult>;
  readonly errors: Map<number, HubspotError>;
}

/**
 * Maps 200/207 answers back to batch positions. HubSpot does not keep request order (§6.3), so
 * each result or error is matched by `objectWriteTraceId`, else by the id property's value
 * (results) or `context.ids` / `id` (errors). Emails compare case-insensitively.
 */
export function matchAnswers(inputs: readonly HubspotUpsertInput[], results: readonly HubspotResult[], errors: readonly HubspotError[]): Matched {
  const norm = (s: string) => s.trim().toLowerCase();
  const byTrace = new Map<string, number>();
  const byId = new Map<string, number>();
  inputs.forEach((input, i) => {
    byTrace.set(input.objectWriteTraceId, i);
    byId.set(norm(input.id), i);
  });
  const out: Matched = { results: new Map(), errors: new Map() };
  for (const r of results) {
    const idValue = inputs[0] ? r.properties?.[inputs[0].idProperty] : undefined;
    const i = (r.objectWriteTraceId !== undefined ? byTrace.get(r.objectWriteTraceId) : undefined) ?? (idValue ? byId.get(norm(idValue)) : undefined);
    if (i !== undefined) out.results.set(i, r);
  }
  for (const e of errors) {
    const candidates = [
      e.objectWriteTraceId !== undefined ? byTrace.get(e.objectWriteTraceId) : undefined,
      ...(e.context?.ids ?? []).map((id) => byId.get(norm(String(id)))),
      e.id !== undefined ? byId.get(norm(e.id)) : undefined,
    ];
    for (const i of new Set(candidates)) if (i !== undefined) out.errors.set(i, e);
  }
  return out;
}
