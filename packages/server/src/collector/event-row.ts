import {
  CLICK_IDS,
  UTM_KEYS,
  hostOf,
  parseIsoTime,
  withCampaign,
  type EventContext,
  type JsonObject,
  type SegmentEvent,
  type Touch,
} from '@touchline/protocol';
import { truncateIp, type IpTruncation } from './ip.js';
import { createLandingCache, type Landing } from './landing-cache.js';
import { columnValue, lineOf, lineWriter, put, putJson, quote, type LineWriter } from './event-line.js';
import { storableJson } from './storable.js';
import type { UserAgentInfo } from './user-agent.js';
import type { PlanMark } from '../plans/plan-gate.js';

/** What the HTTP request tells about every event in it. */
export interface RequestFacts {
  readonly sourceId: string;
  readonly endpoint: string;
  readonly requestId: string;
  /** Server clock, ISO-8601. */
  readonly receivedAt: string;
  readonly ip: string | undefined;
  readonly userAgent: string | undefined;
  /** `Sec-GPC: 1`. */
  readonly gpc: boolean;
  /** Batch-level `sentAt`. */
  readonly sentAt?: string | undefined;
}

export interface RowBuilderDeps {
  readonly parseUserAgent: (ua: string | undefined) => UserAgentInfo;
  readonly newMessageId: () => string;
  readonly ipTruncation: IpTruncation;
  readonly maxEventBytes: number;
}

export type BuiltRow =
  | { readonly ok: true; readonly messageId: string; readonly line: string }
  | { readonly ok: false; readonly reason: string; readonly field: string };

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function obj(v: unknown): JsonObject | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonObject) : undefined;
}

/** Segment: `timestamp = receivedAt - (sentAt - originalTimestamp)` when the client sent `sentAt`. */
export function correctedTimestamp(original: string | undefined, sentAt: string | undefined, receivedAt: string): string {
  if (!original) return receivedAt;
  if (!sentAt) return original;
  const t = Date.parse(receivedAt) - (Date.parse(sentAt) - Date.parse(original));
  const iso = Number.isFinite(t) ? new Date(t).toISOString() : '';
  return iso.length === 24 ? iso : original;
}

/** The column names of a first / last touch, made once (not per event). */
const TOUCH_COLUMNS = (prefix: 'first' | 'last') => ({
  at: `${prefix}_touch_at`,
  url: `${prefix}_url`,
  referrerDomain: `${prefix}_referrer_domain`,
  utm: UTM_KEYS.map((k) => [k, `${prefix}_${k}`] as const),
  clickIdType: `${prefix}_click_id_type`,
  clickId: `${prefix}_click_id`,
});
const FIRST_COLUMNS = TOUCH_COLUMNS('first');
const LAST_COLUMNS = TOUCH_COLUMNS('last');

function putTouch(w: LineWriter, cols: typeof FIRST_COLUMNS, t: unknown): void {
  const touch = obj(t) as Touch | undefined;
  if (!touch) return;
  const at = parseIsoTime(touch.at);
  // as the row object did: any non-empty text (parseIsoTime gives ISO text or nothing)
  if (at) w.text += `,"${cols.at}":${JSON.stringify(at)}`;
  put(w, cols.url, touch.url);
  put(w, cols.referrerDomain, touch.referrer_domain ?? hostOf(str(touch.referrer)));
  for (const [k, col] of cols.utm) put(w, col, touch[k]);
  put(w, cols.clickIdType, touch.click_id_type);
  put(w, cols.clickId, touch.click_id);
}

/** Room for the columns Touchline derives from an event, on top of the per-event limit. */
const DERIVED_ALLOWANCE = 4096;

const PAGE_KEYS = new Set(['url', 'path', 'search', 'title', 'referrer']);
const LIBRARY_KEYS = new Set(['name', 'version']);
const CAMPAIGN_COLUMNS: Record<string, keyof Touch> = { name: 'utm_campaign', source: 'utm_source', medium: 'utm_medium', term: 'utm_term', content: 'utm_content', id: 'utm_id' };

const onlyStrings = (o: JsonObject, keys: ReadonlySet<string>): boolean =>
  Object.entries(o).every(([k, v]) => keys.has(k) && typeof v === 'string');

/**
 * The context minus what the row already holds in columns of its own, exactly: `page`,
 * `userAgent`, `locale`, `timezone`, `library`, `campaign`, `consent`, `gpc`, `sessionId`. A field
 * is dropped only when its columns keep all of it, so nothing is lost; `ip` is always dropped
 * (the ip column holds it, truncated as configured).
 */
function contextRemainder(ctx: JsonObject, touch: Readonly<Touch>): JsonObject | undefined {
  let out: JsonObject | undefined;
  for (const [k, v] of Object.entries(ctx)) {
    let stored = false;
    switch (k) {
      case 'userAgent':
      case 'locale':
      case 'timezone':
        stored = typeof v === 'string';
        break;
      case 'ip':
        // Always held back: the ip column carries it after the configured truncation, and a
        // full copy here would defeat that policy.
        stored = true;
        break;
      case 'sessionId':
        stored = typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
        break;
      case 'gpc':
        stored = typeof v === 'boolean';
        break;
      case 'consent':
        stored = obj(v) !== undefined;
        break;
      case 'page':
        stored = obj(v) !== undefined && onlyStrings(v as JsonObject, PAGE_KEYS);
        break;
      case 'library':
        stored = obj(v) !== undefined && onlyStrings(v as JsonObject, LIBRARY_KEYS);
        break;
      case 'campaign':
        stored = obj(v) !== undefined && Object.entries(v as JsonObject).every(([ck, cv]) => CAMPAIGN_COLUMNS[ck] !== undefined && (cv === '' || columnValue(touch[CAMPAIGN_COLUMNS[ck] as keyof Touch]) === cv));
        break;
      default:
        break;
    }
    if (!stored) (out ??= {})[k] = v;
  }
  return out;
}

function withoutTraits(ctx: JsonObject): JsonObject {
  const { traits: _moved, ...rest } = ctx;
  return rest;
}

/**
 * The visitor's own user agent, the only one bot detection judges: `context.userAgent` (the
 * browser SDKs set it; the tracker endpoint and the site helper put the visitor's there). A
 * server-side library posting without one (`analytics-node-next/latest`, `okhttp`, `Go-http-client`,
 * `Ruby`, `node`…) names itself, not a visitor: its request is not a bot's.
 */
export function visitorAgentOf(e: SegmentEvent): string | undefined {
  return str(e.context?.userAgent);
}

/** `is_bot` of an event: its visitor's agent is a known bot or crawler; no visitor agent, no bot. */
export function isBotEvent(e: SegmentEvent, parseUserAgent: RowBuilderDeps['parseUserAgent']): boolean {
  const ua = visitorAgentOf(e);
  return ua !== undefined && parseUserAgent(ua).is_bot;
}

/** Ids and times: who, what, and when (the event's time corrected by the sender's clock skew). */
function putIdsAndTimes(w: LineWriter, e: SegmentEvent, req: RequestFacts, messageId: string, isPage: boolean, props: Record<string, unknown>): void {
  const sentAt = e.sentAt ?? req.sentAt;
  put(w, 'message_id', messageId);
  put(w, 'source_id', req.sourceId);
  put(w, 'type', e.type);
  put(w, 'event', e.event);
  put(w, 'name', e.name ?? (isPage ? str(props['name']) : undefined));
  put(w, 'category', e.category);
  put(w, 'anonymous_id', e.anonymousId);
  put(w, 'user_id', e.userId);
  put(w, 'group_id', e.groupId);
  put(w, 'previous_id', e.previousId);
  w.text += `,"timestamp":${quote(correctedTimestamp(e.timestamp, sentAt, req.receivedAt))}`;
  put(w, 'original_timestamp', e.timestamp);
  put(w, 'sent_at', sentAt);
  w.text += `,"received_at":${quote(req.receivedAt)}`;
}

/** One cache for every row builder of the process: it only remembers what parsing gives. */
const landingOf = createLandingCache();

/** The page (`context.page`, or a page call's properties) and the URL's parts. */
function putPage(w: LineWriter, page: Record<string, unknown>, props: Record<string, unknown>, isPage: boolean, url: string | undefined, referrer: string | undefined, landing: Landing): void {
  put(w, 'url', url);
  put(w, 'host', landing.host);
  put(w, 'path', str(page['path']) ?? (isPage ? str(props['path']) : undefined) ?? landing.pathname);
  put(w, 'search', str(page['search']) ?? landing.search);
  put(w, 'title', str(page['title']) ?? (isPage ? str(props['title']) : undefined));
  put(w, 'referrer', referrer);
}

/** The landing's touch: referrer domain, UTMs, click ids (`context.campaign` fills the UTMs' gaps). */
function putLandingTouch(w: LineWriter, landing: Landing, campaign: Record<string, unknown> | undefined): Readonly<Touch> {
  const touch = withCampaign(landing.touch, campaign);
  put(w, 'referrer_domain', touch.referrer_domain);
  for (const k of UTM_KEYS) put(w, k, touch[k]);
  put(w, 'click_id_type', touch.click_id_type);
  put(w, 'click_id', touch.click_id);
  if (touch.click_ids) for (const c of CLICK_IDS) put(w, c.column, touch.click_ids[c.column]);
  return touch;
}

/** First/last touch, session, agent, bot flag, IP and the client's facts. */
function putVisitor(w: LineWriter, e: SegmentEvent, ctx: EventContext, req: RequestFacts, deps: RowBuilderDeps): void {
  // The request's agent is stored (a raw fact) and parsed for browser and device; only the
  // visitor's own agent decides is_bot (visitorAgentOf).
  const ua = str(ctx.userAgent) ?? req.userAgent;
  const info = deps.parseUserAgent(ua);
  const bot = visitorAgentOf(e) !== undefined && info.is_bot;
  // Bots carry no touches, whatever they report (docs/tracking.md).
  const touches = bot ? undefined : obj(ctx.touches);
  if (touches) {
    putTouch(w, FIRST_COLUMNS, touches['first']);
    putTouch(w, LAST_COLUMNS, touches['last']);
  }
  put(w, 'session_id', ctx.sessionId);
  put(w, 'user_agent', ua);
  // is_bot keeps the parser's place among its columns (the row object kept a key's first place)
  let botWritten = false;
  for (const k in info) {
    if (k === 'is_bot') {
      w.text += `,"is_bot":${bot}`;
      botWritten = true;
    } else put(w, k, info[k as keyof UserAgentInfo]);
  }
  if (!botWritten) w.text += `,"is_bot":${bot}`;
  put(w, 'ip', truncateIp(str(ctx.ip) ?? req.ip, deps.ipTruncation));
  put(w, 'locale', ctx.locale);
  put(w, 'timezone', ctx.timezone);
  const lib = obj(ctx.library);
  put(w, 'library_name', lib?.['name']);
  put(w, 'library_version', lib?.['version']);
  w.text += `,"gpc":${ctx.gpc === true || ctx.gpc === 1 || ctx.gpc === '1' || req.gpc}`;
}

/**
 * JSON columns travel as nested JSON in the spool line (read as JSON by the loader): one
 * serialisation, no escaping of JSON inside JSON.
 */
function putBlobs(w: LineWriter, e: SegmentEvent, ctx: EventContext, touch: Readonly<Touch>): void {
  const consent = obj(ctx.consent);
  if (consent) putJson(w, 'consent', consent);
  if (e.properties) putJson(w, 'properties', e.properties);
  // RudderStack's identify carries its traits only in `context.traits`: they are the call's
  // traits (moved, not copied). On other calls `context.traits` describes the user, not the
  // call (a group's own traits are top-level), so it stays in the context.
  const contextTraits = !e.traits && e.type === 'identify' ? obj(ctx['traits']) : undefined;
  const traits = e.traits ?? contextTraits;
  if (traits) putJson(w, 'traits', traits);
  const rest = contextRemainder(contextTraits ? withoutTraits(ctx) : ctx, touch);
  if (rest) putJson(w, 'context', rest);
}

/**
 * Turns a validated event into its warehouse row (one JSON line for the spool): ids, corrected
 * times, page, the touch (UTMs, click ids, referrer), first/last touch (never on a bot's row),
 * user agent, bot flag, IP and the JSON blobs. Refuses an event whose stored size exceeds the
 * per-event limit.
 */
export function buildEventRow(e: SegmentEvent, req: RequestFacts, deps: RowBuilderDeps, plan?: PlanMark): BuiltRow {
  const ctx = e.context ?? {};
  const props = e.properties ?? {};
  const page = obj(ctx.page) ?? {};
  const isPage = e.type === 'page';
  const url = str(page['url']) ?? (isPage ? str(props['url']) : undefined);
  const referrer = str(page['referrer']) ?? (isPage ? str(props['referrer']) : undefined);
  const messageId = e.messageId ?? deps.newMessageId();

  let line: string;
  try {
    const w = lineWriter('event');
    putIdsAndTimes(w, e, req, messageId, isPage, props);
    const landing = landingOf(url, referrer);
    putPage(w, page, props, isPage, url, referrer, landing);
    const touch = putLandingTouch(w, landing, obj(ctx.campaign));
    putVisitor(w, e, ctx, req, deps);
    putBlobs(w, e, ctx, touch);
    // The tracking plan's version and the violations it recorded (plan_version, plan_violations).
    if (plan) for (const k in plan) putJson(w, k, plan[k as keyof PlanMark]);
    line = storableJson(lineOf(w));
  } catch (err) {
    return { ok: false, field: 'properties', reason: `the event cannot be serialised (${(err as Error).message}); is it nested too deeply?` };
  }
  // The stored row is the event plus the columns derived from it (bounded: URL parts, user agent).
  // A UTF-8 byte is at most 3 per UTF-16 unit here, so most rows need no byte count at all.
  const limit = deps.maxEventBytes + DERIVED_ALLOWANCE;
  if (line.length * 3 > limit && Buffer.byteLength(line) > limit) {
    return { ok: false, field: '', reason: `the event is larger than ${deps.maxEventBytes} bytes (limits.maxEventBytes)` };
  }
  return { ok: true, messageId, line };
}
