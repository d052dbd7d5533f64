/**
 * Contract stand-in for the Google Data Manager API `POST /v1/events:ingest`.
 *
 * Follows (shared/research/activation-contracts.md):
 * - §1.11 Data Manager: endpoint, Bearer auth without developer token, IngestEventsRequest
 *   (destinations <= 10, events <= 2000, encoding required with userData, validateOnly),
 *   Event fields, `{requestId}` answer, fast-fail validation, 300 requests/min per project with
 *   RESOURCE_EXHAUSTED / HTTP 429, ErrorReason values (INVALID_SHA256_FORMAT,
 *   NO_IDENTIFIERS_PROVIDED, TOO_MANY_EVENTS, ...);
 *   https://developers.google.com/data-manager/api (field mappings, limits),
 *   https://developers.google.com/data-manager/api/devguides/concepts/formatting (hash formats),
 *   https://developers.google.com/data-manager/api/devguides/concepts/understand-errors (fast-fail,
 *   google.rpc.Status with BadRequest field violations);
 * - §1.4-§1.6, §1.9 Google Ads conversion rules the same conversion action enforces: one of
 *   gclid / gbraid / wbraid (GBRAID_WBRAID_BOTH_SET), conversion after the click
 *   (CONVERSION_PRECEDES_EVENT), inside the click-through window (EXPIRED_EVENT), dedup of one
 *   conversion per transaction id (order id) per action, else per click id + time.
 */
import type { StandIn, StandInAnswer } from '../stand-in-types.js';
import { startStandIn, withVendorState, type StandInOptions, type VendorContract } from '../stand-in-server.js';
import { perActionCounts } from './per-action-counts.js';
import { asArray, isNonEmptyString, isObject, SHA256_HEX, type Json } from '../json-shape.js';
import { handleAudienceMembers } from './data-manager-audiences.js';
import { checkUserData, googleError, HTTP_STATUS, type Violation } from './data-manager-checks.js';
import { createRequestStatusStore, type LateVerdict, type RequestStatusStore } from './data-manager-status.js';
import type { HandlerContext } from '../stand-in-server.js';
import type { RecordedRequest } from '../stand-in-types.js';
import { bearerToken } from '../local-server.js';

const DAY = 86_400_000;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const EVENT_SOURCES = new Set(['WEB', 'APP', 'IN_STORE', 'PHONE', 'OTHER']);
const CONSENT = new Set(['CONSENT_GRANTED', 'CONSENT_DENIED', 'CONSENT_STATUS_UNSPECIFIED']);
/** Options for the Data Manager stand-in. */
export interface GoogleDataManagerStandInOptions extends StandInOptions {
  /** Click-through window of the conversion action, in days. @defaultValue 90 */
  readonly lookbackDays?: number;
  /** How long an accepted request stays PROCESSING in requestStatus:retrieve. @defaultValue 0 */
  readonly processingMs?: number;
}

export interface GoogleDataManagerStandIn extends StandIn<Json> {
  /** Tells the stand-in when a click happened, as Google knows it from its own click logs. */
  registerClick(clickId: string, atMs: number): void;
  /** The verdict the next accepted request gets in requestStatus:retrieve (late rejections). */
  lateVerdict(v: LateVerdict): void;
  /** Puts a verdict on a request already accepted (Google finishes processing it). */
  settle(requestId: string, v: LateVerdict): void;
  /** Customer Match: current members of every user list, by first identifier (`email:<sha256>`). */
  members(): ReadonlySet<string>;
}

/** What Google knows: its clicks, the conversion action's window, request statuses, user lists. */
interface DataManagerState {
  readonly lookback: number;
  readonly clicks: Map<string, number>;
  readonly status: RequestStatusStore;
  readonly lists: Map<string, Set<string>>;
}

/** The event time: RFC 3339, not in the future, inside the click-through window. NaN when unreadable. */
function checkEventTime(e: Json, path: string, now: number, lookback: number, v: Violation[]): number {
  const ts = e['eventTimestamp'];
  const at = typeof ts === 'string' && RFC3339.test(ts) ? Date.parse(ts) : NaN;
  if (Number.isNaN(at)) {
    v.push({ field: `${path}.event_timestamp`, description: 'eventTimestamp is required, in RFC 3339 format such as 2026-11-20T19:05:00Z', reason: 'INVALID_TIMESTAMP' });
  } else if (at > now + 5 * 60_000) {
    v.push({ field: `${path}.event_timestamp`, description: 'eventTimestamp is in the future', reason: 'INVALID_TIMESTAMP' });
  } else if (now - at > lookback) {
    v.push({ field: `${path}.event_timestamp`, description: 'event is older than the conversion action click-through window', reason: 'EXPIRED_EVENT' });
  }
  return at;
}

/** One click id at most (§1.4), and the conversion after the click and inside its window. */
function checkClickIds(st: DataManagerState, e: Json, path: string, at: number, v: Violation[]): number {
  const ad = isObject(e['adIdentifiers']) ? e['adIdentifiers'] : {};
  const clickIds = (['gclid', 'gbraid', 'wbraid'] as const).filter((k) => isNonEmptyString(ad[k]));
  if (isNonEmptyString(ad['gbraid']) && isNonEmptyString(ad['wbraid'])) {
    v.push({ field: `${path}.ad_identifiers`, description: 'gbraid and wbraid cannot both be set', reason: 'GBRAID_WBRAID_BOTH_SET' });
  } else if (clickIds.length > 1) {
    v.push({ field: `${path}.ad_identifiers`, description: 'set only one of gclid, gbraid, wbraid', reason: 'INVALID_ARGUMENT' });
  }
  const clickAt = clickIds[0] ? st.clicks.get(String(ad[clickIds[0]])) : undefined;
  if (clickAt !== undefined && !Number.isNaN(at)) {
    if (at < clickAt) v.push({ field: `${path}.event_timestamp`, description: 'conversion precedes the click', reason: 'CONVERSION_PRECEDES_EVENT' });
    else if (at - clickAt > st.lookback) v.push({ field: `${path}.ad_identifiers`, description: 'click is outside the click-through window', reason: 'EXPIRED_EVENT' });
  }
  return clickIds.length;
}

/** Value, currency and consent fields, when present. */
function checkEventValues(e: Json, path: string, v: Violation[]): void {
  const value = e['conversionValue'];
  if (value !== undefined && !(typeof value === 'number' && value >= 0)) v.push({ field: `${path}.conversion_value`, description: 'conversionValue must be a number >= 0', reason: 'INVALID_COST' });
  const currency = e['currency'];
  if (currency !== undefined && !(typeof currency === 'string' && /^[A-Z]{3}$/.test(currency))) v.push({ field: `${path}.currency`, description: 'ISO 4217 currency code', reason: 'INVALID_CURRENCY_CODE' });
  const consent = isObject(e['consent']) ? e['consent'] : undefined;
  for (const k of ['adUserData', 'adPersonalization']) {
    if (consent && consent[k] !== undefined && !CONSENT.has(String(consent[k]))) v.push({ field: `${path}.consent.${k}`, description: 'CONSENT_GRANTED or CONSENT_DENIED', reason: 'INVALID_ARGUMENT' });
  }
}

/** Every field violation of one event, in the order Google reports them. */
function validateEvent(st: DataManagerState, e: unknown, i: number, refs: Set<string>, now: number, v: Violation[]): void {
  const path = `events[${i}]`;
  if (!isObject(e)) {
    v.push({ field: path, description: 'event must be an object', reason: 'INVALID_ARGUMENT' });
    return;
  }
  const at = checkEventTime(e, path, now, st.lookback, v);
  const dr = asArray(e['destinationReferences']);
  if (refs.size > 1 && (!dr || dr.length === 0)) v.push({ field: `${path}.destination_references`, description: 'required when the request has several destinations', reason: 'INVALID_ARGUMENT' });
  for (const r of dr ?? []) if (typeof r !== 'string' || !refs.has(r)) v.push({ field: `${path}.destination_references`, description: `unknown destination reference ${String(r)}`, reason: 'INVALID_ARGUMENT' });
  if (!EVENT_SOURCES.has(String(e['eventSource']))) v.push({ field: `${path}.event_source`, description: 'eventSource is required for conversions: WEB, APP, IN_STORE, PHONE or OTHER', reason: 'INVALID_EVENT_SOURCE' });
  const clickIds = checkClickIds(st, e, path, at, v);
  const hasUser = checkUserData(e['userData'], path, v);
  if (clickIds === 0 && !hasUser) v.push({ field: `${path}`, description: 'no click id and no user identifiers', reason: 'NO_IDENTIFIERS_PROVIDED' });
  checkEventValues(e, path, v);
}

/** Google's dedup key for an event: the transaction id, else click id + time (§1.6). */
function dedupKey(e: Json): string {
  if (isNonEmptyString(e['transactionId'])) return e['transactionId'];
  const ad = isObject(e['adIdentifiers']) ? e['adIdentifiers'] : {};
  const k = (['gclid', 'gbraid', 'wbraid'] as const).find((x) => isNonEmptyString(ad[x]));
  return k ? `${k}:${String(ad[k])}:${new Date(Date.parse(String(e['eventTimestamp']))).toISOString().replace('.000Z', 'Z')}` : `event:${JSON.stringify(e)}`;
}

/** An accepted (not validate-only) request is tracked for requestStatus:retrieve. */
function trackAccepted(st: DataManagerState, answer: StandInAnswer, req: RecordedRequest, ctx: HandlerContext<Json>, kind: 'events' | 'audience'): StandInAnswer {
  const id = isObject(answer.body) ? answer.body['requestId'] : undefined;
  const b = isObject(req.body) ? req.body : {};
  const rows = (asArray(b['events']) ?? asArray(b['audienceMembers']) ?? []).length;
  if (answer.status === 200 && typeof id === 'string' && b['validateOnly'] !== true) st.status.track(id, ctx.now, rows, kind);
  return answer;
}

/** 1 to 10 Google Ads destinations, each a 10-digit account and a conversion action; their references. */
function checkDestinations(dests: unknown[], v: Violation[]): Set<string> {
  if (dests.length === 0 || dests.length > 10) v.push({ field: 'destinations', description: 'between 1 and 10 destinations', reason: 'INVALID_ARGUMENT' });
  const refs = new Set<string>();
  dests.forEach((d, j) => {
    const op = isObject(d) && isObject(d['operatingAccount']) ? d['operatingAccount'] : undefined;
    if (!op || op['accountType'] !== 'GOOGLE_ADS' || !/^\d{10}$/.test(String(op['accountId']))) {
      v.push({ field: `destinations[${j}].operating_account`, description: 'operatingAccount {accountType: GOOGLE_ADS, accountId: 10 digits} required', reason: 'INVALID_ARGUMENT' });
    }
    if (!isObject(d) || !/^\d+$/.test(String(d['productDestinationId']))) v.push({ field: `destinations[${j}].product_destination_id`, description: 'conversion action id required', reason: 'INVALID_CONVERSION_ACTION_ID' });
    if (isObject(d) && isNonEmptyString(d['reference'])) refs.add(d['reference']);
  });
  return refs;
}

/** `events:ingest`: fast-fail on any violation; else every event accepted once per action. */
function handleEvents(st: DataManagerState, req: RecordedRequest, ctx: HandlerContext<Json>): StandInAnswer {
  const body = req.body;
  if (!isObject(body)) return googleError(400, 'Invalid JSON payload received.');
  const v: Violation[] = [];
  const dests = asArray(body['destinations']) ?? [];
  const refs = checkDestinations(dests, v);
  const events = asArray(body['events']);
  if (!events || events.length === 0) return googleError(400, 'events must not be empty', [{ field: 'events', description: 'at least one event', reason: 'INVALID_ARGUMENT' }]);
  if (events.length > 2000) return googleError(400, 'Too many events in the request.', [{ field: 'events', description: 'at most 2000 events per request', reason: 'TOO_MANY_EVENTS' }]);
  events.forEach((e, i) => validateEvent(st, e, i, refs, ctx.now, v));
  if (events.some((e) => isObject(e) && e['userData'] !== undefined) && !['HEX', 'BASE64'].includes(String(body['encoding']))) {
    v.push({ field: 'encoding', description: 'encoding is required when user data is sent', reason: 'INVALID_ARGUMENT' });
  }
  for (const i of ctx.partial?.indexes ?? []) {
    if (i < events.length) v.push({ field: `events[${i}].conversion_value`, description: 'scripted failure', reason: ctx.partial?.code ?? 'INVALID_COST' });
  }
  if (v.length) return googleError(400, 'There was a problem with the request.', v);
  const validateOnly = body['validateOnly'] === true;
  const actions = dests.map((d) => String((d as Json)['productDestinationId']));
  for (const e of events as Json[]) {
    const key = dedupKey(e);
    // One conversion per key per conversion action (§1.6): a repeat is accepted and dropped.
    for (const action of actions) {
      if (validateOnly) ctx.acceptTest(key, { ...e, productDestinationId: action });
      else ctx.accept(`${action}|${key}`, e);
    }
  }
  return { status: 200, body: { requestId: `stand-in-${ctx.request}-${Math.floor(ctx.random() * 1e9)}` } };
}

type DataManagerHandler = (st: DataManagerState, req: RecordedRequest, ctx: HandlerContext<Json>) => StandInAnswer;
const audienceMembers: DataManagerHandler = (st, req, ctx) => trackAccepted(st, handleAudienceMembers(req, ctx, st.lists), req, ctx, 'audience');

/** The stand-in's endpoints by `<method> <path>`; anything else is the vendor's 404. */
const DATA_MANAGER_ROUTES: Readonly<Record<string, DataManagerHandler>> = {
  'POST /v1/events:ingest': (st, req, ctx) => trackAccepted(st, handleEvents(st, req, ctx), req, ctx, 'events'),
  'POST /v1/audienceMembers:ingest': audienceMembers,
  'POST /v1/audienceMembers:remove': audienceMembers,
  'GET /v1/requestStatus:retrieve': (st, req, ctx) =>
    st.status.answer(req.query['requestId'], ctx.now) ?? googleError(404, `Request ${req.query['requestId'] ?? '(none)'} not found`),
};
const dataManagerRoute = (r: RecordedRequest): DataManagerHandler | undefined => DATA_MANAGER_ROUTES[`${r.method} ${r.path}`];

function dataManagerContract(st: DataManagerState): VendorContract<Json> {
  return {
    name: 'google-data-manager',
    dedupWindowMs: Infinity,
    route: (r) => dataManagerRoute(r) !== undefined,
    notFound: (r) => googleError(404, `Method not found: ${r.method} ${r.path}`),
    credential: (r) => bearerToken(r.headers),
    unauthorized: () => googleError(401, 'Request had invalid authentication credentials. Expected OAuth 2 access token.'),
    rateLimited: (ms) =>
      googleError(429, 'Quota exceeded for quota metric Ingestion mutate requests per minute per project.', [], [
        { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'RATE_LIMIT_EXCEEDED', domain: 'googleapis.com', metadata: { quota_limit: 'IngestionMutateRequestsPerMinutePerProject' } },
        { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${Math.max(1, Math.ceil(ms / 1000))}s` },
      ]),
    errorBody: (status) => googleError(status, `${HTTP_STATUS[status] ?? 'ERROR'} (injected by the stand-in)`).body,
    handle: (req, ctx) => dataManagerRoute(req)!(st, req, ctx),
  };
}

/** Starts the stand-in on a free port. */
export async function startGoogleDataManagerStandIn(options: GoogleDataManagerStandInOptions = {}): Promise<GoogleDataManagerStandIn> {
  const st: DataManagerState = {
    lookback: (options.lookbackDays ?? 90) * DAY,
    clicks: new Map(),
    status: createRequestStatusStore(options.processingMs ?? 0),
    lists: new Map(),
  };
  const base = await startStandIn(dataManagerContract(st), options);
  const extra = {
    ...perActionCounts(base),
    registerClick: (id: string, at: number) => void st.clicks.set(id, at),
    lateVerdict: (v: LateVerdict) => st.status.queue(v),
    settle: (requestId: string, v: LateVerdict) => st.status.settle(requestId, v),
    members: () => new Set([...st.lists.values()].flatMap((l) => [...l])),
  };
  return withVendorState(base, extra, () => {
    st.status.clear();
    st.lists.clear();
  });
}
