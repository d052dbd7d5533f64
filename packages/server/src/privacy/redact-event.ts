import type { JsonObject, SegmentEvent } from '@touchline/protocol';
import { redactText, redactUrl, type RedactionRules } from './redact-text.js';

const obj = (v: unknown): JsonObject | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonObject) : undefined);

/** How the page fields are redacted: URLs as URLs, the title as text. */
const PAGE_FIELDS: Readonly<Record<string, 'url' | 'text'>> = { url: 'url', referrer: 'url', path: 'url', search: 'url', title: 'text' };

/** A copy of `o` with its page fields redacted (other keys as they are). */
function redactPage(o: JsonObject, r: RedactionRules): JsonObject {
  const out: JsonObject = { ...o };
  for (const [k, how] of Object.entries(PAGE_FIELDS)) {
    const v = o[k];
    if (typeof v === 'string') out[k] = how === 'url' ? redactUrl(v, r) : redactText(v, r);
  }
  return out;
}

/** Every string inside `v` (objects and arrays, to a bounded depth) redacted as text. */
function redactDeep(v: unknown, r: RedactionRules, depth: number): unknown {
  if (typeof v === 'string') return redactText(v, r);
  if (depth >= 6 || typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map((x) => redactDeep(x, r, depth + 1));
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redactDeep(x, r, depth + 1)]));
}

/** The touches the tracker stamps (`context.touches.{first,last,session}`): their landing URL and referrer. */
function redactTouches(t: JsonObject, r: RedactionRules): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(t)) {
    const touch = obj(v);
    out[k] = touch ? redactPage(touch, r) : v;
  }
  return out;
}

/**
 * Redaction at ingest: the event with PII removed from its page (URL, referrer, path, search,
 * title), its context's referrer and touches, a page call's own page properties, and every
 * free-text property — except the properties named in `keep` (`email` and `phone` by default:
 * conversions send them on purpose, for the ad networks' matching). Ids, traits, the event name
 * and the campaign are never changed; UTMs and click ids inside URLs neither.
 */
export function redactEvent(e: SegmentEvent, r: RedactionRules, keep: ReadonlySet<string>): SegmentEvent {
  const out: SegmentEvent = { ...e };
  const ctx = obj(e.context);
  if (ctx) {
    const c: JsonObject = { ...ctx };
    const page = obj(ctx['page']);
    if (page) c['page'] = redactPage(page, r);
    const referrer = obj(ctx['referrer']);
    if (referrer) c['referrer'] = { ...referrer, ...(typeof referrer['url'] === 'string' ? { url: redactUrl(referrer['url'], r) } : {}), ...(typeof referrer['link'] === 'string' ? { link: redactUrl(referrer['link'], r) } : {}) };
    const touches = obj(ctx['touches']);
    if (touches) c['touches'] = redactTouches(touches, r);
    out.context = c as NonNullable<SegmentEvent['context']>;
  }
  const props = obj(e.properties);
  if (props) {
    const p: JsonObject = {};
    for (const [k, v] of Object.entries(props)) {
      if (keep.has(k)) p[k] = v;
      else if (e.type === 'page' && typeof v === 'string' && PAGE_FIELDS[k] === 'url') p[k] = redactUrl(v, r);
      else p[k] = redactDeep(v, r, 0) as JsonObject[string];
    }
    out.properties = p;
  }
  return out;
}
