/**
 * Contract stand-in for Amplitude's HTTP API v2, `POST /2/httpapi`.
 *
 * Follows (shared/research/reporting-and-spend.md §D1; https://amplitude.com/docs/apis/analytics/http-v2,
 * https://amplitude.com/docs/apis/analytics/http-api-batching-retries):
 * - body `{api_key, events, options?}`; the key in the body (400 "Invalid API key" otherwise);
 * - at most 2,000 events per request and under 1 MB: 413 beyond;
 * - each event needs `event_type` and a user_id or device_id of at least `options.min_id_length`
 *   (default 5) characters; `time` in epoch milliseconds;
 * - 400 `{code, error, missing_field?, events_with_invalid_fields: {field: [indexes]},
 *   events_with_missing_fields: {...}}` refuses the request, naming the events;
 * - 200 `{code: 200, events_ingested, payload_size_bytes, server_upload_time}`;
 * - the same insert_id within 7 days is ignored;
 * - throttling (30 events/s per user or device) is a 429 listing throttled users / devices
 *   (field names marked "verify" in the research notes).
 */
import { Buffer } from 'node:buffer';
import type { StandIn, StandInAnswer } from '../stand-in-types.js';
import { startStandIn, type StandInOptions, type VendorContract } from '../stand-in-server.js';
import { asArray, isNonEmptyString, isObject, type Json } from '../json-shape.js';

const bad = (error: string, extra: Json = {}): StandInAnswer => ({ status: 400, body: { code: 400, error, ...extra } });

/** Starts the stand-in on a free port; `accessToken` is the project API key. */
export async function startAmplitudeStandIn(options: StandInOptions = {}): Promise<StandIn<Json>> {
  const contract: VendorContract<Json> = {
    name: 'amplitude',
    dedupWindowMs: 7 * 86_400_000,
    route: (r) => r.method === 'POST' && r.path === '/2/httpapi',
    notFound: () => ({ status: 404, body: { code: 404, error: 'Not found' } }),
    credential: (r) => (isObject(r.body) && typeof r.body['api_key'] === 'string' ? r.body['api_key'] : null),
    unauthorized: () => bad('Invalid API key'),
    rateLimited: () => ({ status: 429, body: { code: 429, error: 'Too many requests for some devices and users', eps_threshold: 30, throttled_devices: {}, throttled_users: {}, throttled_events: [0] } }),
    errorBody: (status) => ({ code: status, error: status >= 500 ? 'Internal error (injected)' : status === 429 ? 'Too many requests (injected)' : 'Bad request (injected)' }),
    handle(req, ctx) {
      if (Buffer.byteLength(req.rawBody) >= 1024 * 1024) return { status: 413, body: { code: 413, error: 'Payload too large' } };
      const b = req.body as Json;
      const events = asArray(b['events']);
      if (!events || events.length === 0) return bad('Request missing required field', { missing_field: 'events' });
      if (events.length > 2000) return { status: 413, body: { code: 413, error: 'Payload too large: at most 2000 events' } };
      const minId = isObject(b['options']) && Number.isInteger(b['options']['min_id_length']) ? (b['options']['min_id_length'] as number) : 5;
      const invalid: Record<string, number[]> = {};
      const missing: Record<string, number[]> = {};
      const mark = (map: Record<string, number[]>, field: string, i: number) => void (map[field] ??= []).push(i);
      events.forEach((e, i) => {
        if (ctx.partial?.indexes.includes(i)) return mark(invalid, 'time', i);
        if (!isObject(e)) return mark(invalid, 'event', i);
        if (!isNonEmptyString(e['event_type'])) mark(missing, 'event_type', i);
        const ids = (['user_id', 'device_id'] as const).filter((k) => e[k] !== undefined);
        if (ids.length === 0) mark(missing, 'user_id', i);
        for (const k of ids) if (!(typeof e[k] === 'string' && e[k].length >= minId)) mark(invalid, k, i);
        if (e['time'] !== undefined && !(Number.isInteger(e['time']) && (e['time'] as number) > 1e11)) mark(invalid, 'time', i);
      });
      if (Object.keys(invalid).length || Object.keys(missing).length) {
        return bad('Request missing required field or has invalid fields', { events_with_invalid_fields: invalid, events_with_missing_fields: missing });
      }
      for (const e of events as Json[]) ctx.accept(isNonEmptyString(e['insert_id']) ? e['insert_id'] : `#${ctx.request}.${Math.random()}`, e);
      return { status: 200, body: { code: 200, events_ingested: events.length, payload_size_bytes: Buffer.byteLength(req.rawBody), server_upload_time: ctx.now } };
    },
  };
  return startStandIn(contract, options);
}
