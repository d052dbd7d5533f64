/**
 * Contract stand-in for TikTok Events API 2.0, `POST /open_api/v1.3/event/track/`.
 *
 * Follows (shared/research/activation-contracts.md):
 * - §3.1 endpoint and the `Access-Token` header (not Bearer);
 *   https://business-api.tiktok.com/portal/docs?id=1771100779668482 ("Events API 2.0");
 * - §3.2 body: event_source (web|app|offline|crm), event_source_id, test_event_code, data <= 1,000
 *   events; event, event_time (Unix seconds), event_id, user {ttclid, ttp raw; email, phone,
 *   external_id SHA-256 hex arrays}, properties (value number, currency ISO 4217);
 * - §3.3 dedup on event + event_id within 48 h;
 * - §3.4 always HTTP 200 with `{code, message, request_id, data}`: 0 OK, 40001 no permission,
 *   40002 invalid parameters naming `Batch.{i}.path`, 40100 throttled; a bad token answers 40105
 *   (reporting-and-spend.md §B4/§C6, marked "verify" there).
 * Event age: TikTok's window is not verified (§3.3); this stand-in refuses events older than 7
 * days, as Meta does, and any event_time in milliseconds.
 */
import type { StandIn, StandInAnswer } from '../stand-in-types.js';
import { startStandIn, type StandInOptions, type VendorContract } from '../stand-in-server.js';
import { asArray, isNonEmptyString, isObject, SHA256_HEX, type Json } from '../json-shape.js';

const DAY = 86_400_000;
const SOURCES = new Set(['web', 'app', 'offline', 'crm']);

const envelope = (code: number, message: string, n: number, data: Json = {}): StandInAnswer => ({
  status: 200,
  body: { code, message, request_id: `2026${String(n).padStart(24, '0')}`, data },
});

export interface TiktokEventsStandInOptions extends StandInOptions {
  /** The event_source_id (pixel code) that exists. @defaultValue any */
  readonly eventSourceId?: string;
}

function checkEvent(e: unknown, i: number, now: number): string | undefined {
  const at = `Batch.${i}`;
  if (!isObject(e)) return `${at}: Not a valid object`;
  if (!isNonEmptyString(e['event'])) return `${at}.event: Missing data for required field.`;
  const t = e['event_time'];
  if (typeof t !== 'number' || !Number.isInteger(t) || t > 1e11) return `${at}.event_time: Not a valid Unix timestamp in seconds.`;
  if (t * 1000 > now + 5 * 60_000) return `${at}.event_time: event_time cannot be in the future.`;
  if (now - t * 1000 > 7 * DAY) return `${at}.event_time: event_time is too old.`;
  const u = e['user'];
  if (u !== undefined && !isObject(u)) return `${at}.user: Not a valid object`;
  for (const k of ['email', 'phone', 'external_id'] as const) {
    const v = isObject(u) ? u[k] : undefined;
    if (v === undefined) continue;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && SHA256_HEX.test(x))) return `${at}.user.${k}: must be SHA-256 hashed (64 lowercase hex characters)`;
  }
  const p = isObject(e['properties']) ? e['properties'] : {};
  if (p['value'] !== undefined && typeof p['value'] !== 'number') return `${at}.properties.value: Not a valid number.`;
  if (p['currency'] !== undefined && !(typeof p['currency'] === 'string' && /^[A-Z]{3}$/.test(p['currency']))) return `${at}.properties.currency: Not a valid currency code.`;
  return undefined;
}

/** Starts the stand-in on a free port. */
export async function startTiktokEventsStandIn(options: TiktokEventsStandInOptions = {}): Promise<StandIn<Json>> {
  let n = 0;
  const contract: VendorContract<Json> = {
    name: 'tiktok-events',
    dedupWindowMs: 48 * 3_600_000,
    route: (r) => r.method === 'POST' && r.path === '/open_api/v1.3/event/track/',
    notFound: (r) => ({ status: 404, body: { code: 40400, message: `Not Found: ${r.path}` } }),
    credential: (r) => r.headers['access-token'] ?? null,
    unauthorized: () => envelope(40105, 'The access token is invalid or has been revoked.', ++n),
    rateLimited: () => envelope(40100, 'Too many requests. Please retry in some time.', ++n),
    errorBody: (status) =>
      status === 429
        ? { code: 40100, message: 'Too many requests. Please retry in some time.' }
        : status >= 500
          ? { code: 50002, message: 'Internal service error (injected)' }
          : { code: 40002, message: 'Invalid parameters (injected)' },
    handle(req, ctx) {
      n++;
      const b = isObject(req.body) ? req.body : {};
      if (!SOURCES.has(String(b['event_source']))) return envelope(40002, 'event_source: Must be one of: web, app, offline, crm.', n);
      if (!isNonEmptyString(b['event_source_id'])) return envelope(40002, 'event_source_id: Missing data for required field.', n);
      if (options.eventSourceId && b['event_source_id'] !== options.eventSourceId) {
        return envelope(40001, `No permission to operate pixel code: ${String(b['event_source_id'])}. You must be an admin or operator of this advertiser account.`, n);
      }
      const data = asArray(b['data']);
      if (!data || data.length === 0) return envelope(40002, 'data: Missing data for required field.', n);
      if (data.length > 1000) return envelope(40002, 'data: Length must be between 1 and 1000.', n);
      for (let i = 0; i < data.length; i++) {
        const bad = checkEvent(data[i], i, ctx.now);
        if (bad) return envelope(40002, bad, n);
      }
      const scripted = ctx.partial?.indexes.find((i) => i < data.length);
      if (scripted !== undefined) return envelope(40002, `Batch.${scripted}.properties.contents.0.content_id: Not a valid string`, n);
      for (const e of data as Json[]) {
        const key = `${String(e['event'])}:${isNonEmptyString(e['event_id']) ? e['event_id'] : `#${ctx.request}`}`;
        if (isNonEmptyString(b['test_event_code'])) ctx.acceptTest(key, e);
        else ctx.accept(key, e);
      }
      return envelope(0, 'OK', n);
    },
  };
  return startStandIn(contract, options);
}
