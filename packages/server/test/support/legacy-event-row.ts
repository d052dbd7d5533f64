/**
 * The event-row builder as it was before the spool line was written column by column
 * (src/collector/event-row.ts): the row built as an object, then JSON.stringify. Kept verbatim as
 * the oracle of test/collector/event-line.test.ts — the new writer must give the same line.
 */
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
import { truncateIp, type IpTruncation } from '../../src/collector/ip.js';
import { createLandingCache, type Landing } from '../../src/collector/landing-cache.js';
import { storableJson } from '../../src/collector/storable.js';
import type { UserAgentInfo } from '../../src/collector/user-agent.js';
import type { PlanMark } from '../../src/plans/plan-gate.js';

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

type Row = Record<string, string | number | boolean>;

function put(row: Row, key: string, v: unknown): void {
  if (typeof v === 'string') {
    if (v !== '') row[key] = v;
  } else if (typeof v === 'number' && Number.isFinite(v)) row[key] = String(v);
  else if (typeof v === 'boolean') row[key] = v;
}

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

function putTouch(row: Row, prefix: 'first' | 'last', t: unknown): void {
  const touch = obj(t) as Touch | undefined;
  if (!touch) return;
  const at = parseIsoTime(touch.at);
  if (at) row[`${prefix}_touch_at`] = at;
  put(row, `${prefix}_url`, touch.url);
  put(row, `${prefix}_referrer_domain`, touch.referrer_domain ?? hostOf(str(touch.referrer)));
  for (const k of UTM_KEYS) put(row, `${prefix}_${k}`, touch[k]);
  put(row, `${prefix}_click_id_type`, touch.click_id_type);
  put(row, `${prefix}_click_id`, touch.click_id);
}

/** Room for the columns Touchline derives from an event, on top of the per-event limit. */
const DERIVED_ALLOWANCE = 4096;

const PAGE_KEYS = new Set(['url', 'path', 'search', 'title', 'referrer']);
const LIBRARY_KEYS = new Set(['name', 'version']);
const CAMPAIGN_COLUMNS: Record<string, string> = { name: 'utm_campaign', source: 'utm_source', medium: 'utm_medium', term: 'utm_term', content: 'utm_content', id: 'utm_id' };

const onlyStrings = (o: JsonObject, keys: ReadonlySet<string>): boolean =>
  Object.entries(o).every(([k, v]) => keys.has(k) && typeof v === 'string');

/**
 * The context minus what the row already holds in columns of its own, exactly: `page`,
 * `userAgent`, `locale`, `timezone`, `library`, `campaign`, `consent`, `gpc`, `sessionId`. A field
 * is dropped only when its columns keep all of it, so nothing is lost; `ip` is always dropped
 * (the ip column holds it, truncated as configured).
 */
function contextRemainder(ctx: JsonObject, row: Row): JsonObject | undefined {
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
        stored = obj(v) !== undefined && Object.entries(v as JsonObject).every(([ck, cv]) => CAMPAIGN_COLUMNS[ck] !== undefined && (cv === '' || row[CAMPAIGN_COLUMNS[ck]!] === cv));
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
function putIdsAndTimes(row: Row, e: SegmentEvent, req: RequestFacts, messageId: string, isPage: boolean, props: Record<string, unknown>): void {
  const sentAt = e.sentAt ?? req.sentAt;
  put(row, 'message_id', messageId);
  put(row, 'source_id', req.sourceId);
  put(row, 'type', e.type);
  put(row, 'event', e.event);
  put(row, 'name', e.name ?? (isPage ? str(props['name']) : undefined));
  put(row, 'category', e.category);
  put(row, 'anonymous_id', e.anonymousId);
  put(row, 'user_id', e.userId);
  put(row, 'group_id', e.groupId);
  put(row, 'previous_id', e.previousId);
  row['timestamp'] = correctedTimestamp(e.timestamp, sentAt, req.receivedAt);
  put(row, 'original_timestamp', e.timestamp);
  put(row, 'sent_at', sentAt);
  row['received_at'] = req.receivedAt;
}

/** One cache for every row builder of the process: it only remembers what parsing gives. */
const landingOf = createLandingCache();

/** The page (`context.page`, or a page call's properties) and the URL's parts. */
function putPage(row: Row, page: Record<string, unknown>, props: Record<string, unknown>, isPage: boolean, url: string | undefined, referrer: string | undefined, landing: Landing): void {
  put(row, 'url', url);
  put(row, 'host', landing.host);
  put(row, 'path', str(page['path']) ?? (isPage ? str(props['path']) : undefined) ?? landing.pathname);
  put(row, 'search', str(page['search']) ?? landing.search);
  put(row, 'title', str(page['title']) ?? (isPage ? str(props['title']) : undefined));
  put(row, 'referrer', referrer);
}

/** The landing's touch: referrer domain, UTMs, click ids (`context.campaign` fills the UTMs' gaps). */
function putLandingTouch(row: Row, landing: Landing, campaign: Record<string, unknown> | undefined): void {
  const touch = withCampaign(landing.touch, campaign);
  put(row, 'referrer_domain', touch.referrer_domain);
  for (const k of UTM_KEYS) put(row, k, touch[k]);
  put(row, 'click_id_type', touch.click_id_type);
  put(row, 'click_id', touch.click_id);
  if (touch.click_ids) for (const c of CLICK_IDS) put(row, c.column, touch.click_ids[c.column]);
}

/** First/last touch, session, agent, bot flag, IP and the client's facts. */
function putVisitor(row: Row, e: SegmentEvent, ctx: EventContext, req: RequestFacts, deps: RowBuilderDeps): void {
  // The request's agent is stored (a raw fact) and parsed for browser and device; only the
  // visitor's own agent decides is_bot (visitorAgentOf).
  const ua = str(ctx.userAgent) ?? req.userAgent;
  const info = deps.parseUserAgent(ua);
  const bot = visitorAgentOf(e) !== undefined && info.is_bot;
  // Bots carry no touches, whatever they report (docs/tracking.md).
  const touches = bot ? undefined : obj(ctx.touches);
  if (touches) {
    putTouch(row, 'first', touches['first']);
    putTouch(row, 'last', touches['last']);
  }
  put(row, 'session_id', ctx.sessionId);
  put(row, 'user_agent', ua);
  for (const [k, v] of Object.entries(info)) put(row, k, v);
  row['is_bot'] = bot;
  put(row, 'ip', truncateIp(str(ctx.ip) ?? req.ip, deps.ipTruncation));
  put(row, 'locale', ctx.locale);
  put(row, 'timezone', ctx.timezone);
  const lib = obj(ctx.library);
  put(row, 'library_name', lib?.['name']);
  put(row, 'library_version', lib?.['version']);
  row['gpc'] = ctx.gpc === true || ctx.gpc === 1 || ctx.gpc === '1' || req.gpc;
}

/**
 * JSON columns travel as nested JSON in the spool line (read as JSON by the loader): one
 * serialisation, no escaping of JSON inside JSON.
 */
function putBlobs(row: Row, e: SegmentEvent, ctx: EventContext): void {
  const blobs = row as Record<string, unknown>;
  const consent = obj(ctx.consent);
  if (consent) blobs['consent'] = consent;
  if (e.properties) blobs['properties'] = e.properties;
  // RudderStack's identify carries its traits only in `context.traits`: they are the call's
  // traits (moved, not copied). On other calls `context.traits` describes the user, not the
  // call (a group's own traits are top-level), so it stays in the context.
  const contextTraits = !e.traits && e.type === 'identify' ? obj(ctx['traits']) : undefined;
  const traits = e.traits ?? contextTraits;
  if (traits) blobs['traits'] = traits;
  const rest = contextRemainder(contextTraits ? withoutTraits(ctx) : ctx, row);
  if (rest) blobs['context'] = rest;
}

/**
 * Turns a validated event into its warehouse row (one JSON line for the spool): ids, corrected
 * times, page, the touch (UTMs, click ids, referrer), first/last touch (never on a bot's row),
 * user agent, bot flag, IP and the JSON blobs. Refuses an event whose stored size exceeds the
 * per-event limit.
 */
export function legacyBuildEventRow(e: SegmentEvent, req: RequestFacts, deps: RowBuilderDeps, plan?: PlanMark): BuiltRow {
  const ctx = e.context ?? {};
  const props = e.properties ?? {};
  const page = obj(ctx.page) ?? {};
  const isPage = e.type === 'page';
  const url = str(page['url']) ?? (isPage ? str(props['url']) : undefined);
  const referrer = str(page['referrer']) ?? (isPage ? str(props['referrer']) : undefined);
  const messageId = e.messageId ?? deps.newMessageId();

  const row: Row = { kind: 'event' };
  putIdsAndTimes(row, e, req, messageId, isPage, props);
  const landing = landingOf(url, referrer);
  putPage(row, page, props, isPage, url, referrer, landing);
  putLandingTouch(row, landing, obj(ctx.campaign));
  putVisitor(row, e, ctx, req, deps);
  putBlobs(row, e, ctx);
  // The tracking plan's version and the violations it recorded (plan_version, plan_violations).
  if (plan) Object.assign(row, plan);
  let line: string;
  try {
    line = storableJson(JSON.stringify(row));
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
