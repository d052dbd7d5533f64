import type { EventRejection as Rejection } from '../../ingest.js';
import type { AmplitudeFault } from './amplitude-event.js';

/**
 * Amplitude's answers, as its SDKs read them (analytics-core transports/base.ts): the HTTP
 * status is not enough — a delivery counts only when the body says `"code": 200`; on a 400 the
 * SDK drops the events indexed under `events_with_*` and retries the others, and drops the whole
 * request when `missing_field` is set or `error` starts with "Invalid API key".
 */

export interface AmplitudeOk {
  readonly code: 200;
  readonly events_ingested: number;
  readonly payload_size_bytes: number;
  readonly server_upload_time: number;
}

export const amplitudeOk = (ingested: number, bytes: number, now: Date): AmplitudeOk => ({
  code: 200,
  events_ingested: ingested,
  payload_size_bytes: bytes,
  server_upload_time: now.getTime(),
});

/** A request-level 400 (no key, no events): the SDK drops the whole request. */
export const missingField = (field: string, message: string) => ({ code: 400, error: message, missing_field: field });

/** Unknown or revoked key: Amplitude's wording, which the SDK matches to stop retrying. */
export const invalidApiKey = (why: string) => ({ code: 400, error: `Invalid API key: ${why}` });

/** Amplitude's error shape for a status the collector chose (413, 415, 503, …). */
export const amplitudeError = (status: number, message: string, extra: Record<string, unknown> = {}) => ({ code: status, error: message, ...extra });

type ByField = Record<string, number[]>;

function file(into: ByField, field: string, index: number): void {
  (into[field || 'event'] ??= []).push(index);
}

/**
 * The 400 that names each refused event by index, under its Amplitude field. Touchline kept the
 * other events (they are durable): the SDK retries them, and the retry is acknowledged as a
 * duplicate by `insert_id`. `rejected` repeats each reason in Touchline's words.
 */
export function eventsRefused(rejected: readonly Rejection[], faults: ReadonlyMap<number, AmplitudeFault>, kept: number) {
  const missing: ByField = {};
  const invalid: ByField = {};
  const idLengths: ByField = {};
  for (const r of rejected) {
    const fault = faults.get(r.index) ?? 'invalid';
    file(fault === 'missing' ? missing : fault === 'id_length' ? idLengths : invalid, r.field, r.index);
  }
  return {
    code: 400,
    error: `${rejected.length} event(s) refused and quarantined; ${kept} kept`,
    events_with_missing_fields: missing,
    events_with_invalid_fields: invalid,
    events_with_invalid_id_lengths: idLengths,
    events_ingested: kept,
    rejected,
  };
}
