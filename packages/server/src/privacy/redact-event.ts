import type { JsonObject, SegmentEvent } from '@touchline/protocol';
import { redactText, redactUrl as redactUrlOnce, type RedactionRules } from './redact-text.js';

const obj = (v: unknown): JsonObject | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonObject) : undefined);

/**
 * URL redaction remembered per rule set: a site's events repeat the same pages and referrers, and
 * splitting and decoding each one's query was most of the redaction step. `redactUrl` is pure for
 * given rules, so a remembered answer is the answer. Bounded as the landing cache is (the oldest
 * half dropped when full); URLs longer than 2048 characters are redacted every time, never kept.
 */
const urlMemos = new WeakMap<RedactionRules, Map<string, string>>();
const URL_MEMO_CAPACITY = 10_000;

function redactUrl(url: string, r: RedactionRules): string {
  if (url.length > 2048) return redactUrlOnce(url, r);
  let memo = urlMemos.get(r);
  if (!memo) urlMemos.set(r, (memo = new Map()));
  const hit = memo.get(url);
  if (hit !== undefined) return hit;
  const out = redactUrlOnce(url, r);
  if (memo.size >= URL_MEMO_CAPACITY) {
    memo = new Map([...memo].slice(memo.size >> 1));
    urlMemos.set(r, memo);
  }
  memo.set(url, out);
  return out;
}

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

/**
 * Every string inside `v` (objects and arrays, to a bounded depth) redacted as text. Copy on
 * write: an object or array none of whose strings changed is returned as it is, since most
 * properties hold nothing to redact and copying them was the larger part of this step.
 */
function redactDeep(v: unknown, r: RedactionRules, depth: number): unknown {
  if (typeof v === 'string') return redactText(v, r);
  if (depth >= 6 || typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const x = redactDeep(v[i], r, depth + 1);
      if (x !== v[i]) (copy ??= v.slice())[i] = x;
    }
    return copy ?? v;
  }
  return redactEntries(v as JsonObject, (_k, x) => redactDeep(x, r, depth + 1));
}

/** `o` with each value mapped by `f`; `o` itself when no value changed (copy on write). */
function redactEntries(o: JsonObject, f: (k: string, v: unknown) => unknown): JsonObject {
  let copy: JsonObject | undefined;
  for (const k of Object.keys(o)) {
    const v = o[k];
    const x = f(k, v);
    if (x !== v) (copy ??= { ...o })[k] = x as JsonObject[string];
  }
  return copy ?? o;
}

/**
 * The touches the tracker stamps (`context.touches.{first,last,session}`), and what a client
 * claimed when it differed (`context.client_touches`, kept beside them): their landing URL and referrer.
 */
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
 * title), its context's referrer and touches (the server's and a client's claim), a page call's own page properties, and every
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
    for (const key of ['touches', 'client_touches'] as const) {
      const touches = obj(ctx[key]);
      if (touches) c[key] = redactTouches(touches, r);
    }
    out.context = c as NonNullable<SegmentEvent['context']>;
  }
  const props = obj(e.properties);
  if (props) {
    const isPage = e.type === 'page';
    out.properties = redactEntries(props, (k, v) => {
      if (keep.has(k)) return v;
      if (isPage && typeof v === 'string' && PAGE_FIELDS[k] === 'url') return redactUrl(v, r);
      return redactDeep(v, r, 0);
    });
  }
  return out;
}
