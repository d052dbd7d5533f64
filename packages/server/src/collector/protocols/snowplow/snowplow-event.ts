import { MAX_ID_LENGTH, MAX_NAME_LENGTH } from '@touchline/protocol';
import { defined, isObj, isoFromMs, type Obj } from '../json-values.js';
import { refuse, type Mapping } from '../mapped-batch.js';
import { decodeBase64Strict } from '../raw-bodies.js';

/**
 * One Snowplow tracker-protocol event (a `payload_data` entry, or the query of `GET /i`) as a
 * Segment event; docs/ingest.md has the table. Every value of the protocol is a string.
 */

/** Segment field → the Snowplow parameter it came from. */
export const SNOWPLOW_FIELDS: Readonly<Record<string, string>> = {
  userId: 'uid',
  anonymousId: 'duid',
  event: 'e',
  name: 'page',
  properties: 'ue_px',
  messageId: 'eid',
  timestamp: 'dtm',
  sentAt: 'stm',
  context: 'cx',
  '': 'e',
};

/** Parameters that go to columns or are read into the context; the rest is kept as `context.snowplow`. */
const MAPPED = new Set(['e', 'eid', 'uid', 'duid', 'nuid', 'tnuid', 'sid', 'dtm', 'stm', 'url', 'refr', 'page', 'ua', 'lang', 'tz', 'ip', 'tv', 'ue_px', 'ue_pr', 'cx', 'co', 'se_ca', 'se_ac', 'se_la', 'se_pr', 'se_va', 'aid']);

const EVENT_NAMES: Readonly<Record<string, string>> = { pp: 'Page Ping', tr: 'Transaction', ti: 'Transaction Item' };

/** A self-describing JSON `{schema, data}` from `<plain>` (JSON) or `<b64>` (base64), or why not. */
function selfDescribing(p: Obj, plain: string, b64: string): Obj | undefined | Mapping {
  const encoded = p[b64];
  const text = typeof encoded === 'string' ? decodeBase64Strict(encoded)?.toString('utf8') : p[plain];
  const field = typeof encoded === 'string' ? b64 : plain;
  if (typeof encoded === 'string' && text === undefined) return refuse(b64, `\`${b64}\` is not valid base64 (standard or URL-safe, padded or not)`);
  if (text === undefined || text === '') return undefined;
  if (typeof text !== 'string') return refuse(field, `\`${field}\` must be a string of JSON`);
  try {
    const v: unknown = JSON.parse(text);
    if (isObj(v) && typeof v['schema'] === 'string') return v;
  } catch {
    /* answered below */
  }
  return refuse(field, `\`${field}\` must be a self-describing JSON ({"schema": "iglu:…", "data": …})`);
}

const isMapping = (v: unknown): v is Mapping => isObj(v) && typeof v['ok'] === 'boolean';

/** The inner event of `ue`: named by its schema (`iglu:com.acme/link_click/jsonschema/1-0-0` → `link_click`). */
function unstructured(p: Obj): { event: string; properties: Obj } | Mapping {
  const outer = selfDescribing(p, 'ue_pr', 'ue_px');
  if (isMapping(outer)) return outer;
  const inner = outer?.['data'];
  if (!isObj(inner) || typeof inner['schema'] !== 'string') return refuse('ue_px', 'a self-describing event (`e=ue`) needs `ue_px` or `ue_pr` wrapping `{schema, data}`');
  const schema = inner['schema'];
  const name = /^iglu:[^/]+\/([^/]+)\//.exec(schema)?.[1] ?? schema;
  return { event: name, properties: { ...(isObj(inner['data']) ? inner['data'] : { data: inner['data'] }), schema } };
}

function strings(p: Obj): Mapping | undefined {
  for (const [k, v] of Object.entries(p)) if (typeof v !== 'string') return refuse(k, `\`${k}\` must be a string, as every tracker-protocol value is`);
  return undefined;
}

function kindAndName(p: Obj): { type: 'page' | 'track'; event?: string; properties?: Obj } | Mapping {
  const e = p['e'];
  if (e === 'pv') return { type: 'page' };
  if (e === 'ue') {
    const u = unstructured(p);
    return isMapping(u) ? u : { type: 'track', ...u };
  }
  if (e === 'se') {
    const action = p['se_ac'];
    if (typeof action !== 'string' || action === '') return refuse('se_ac', 'a structured event (`e=se`) needs its action, `se_ac`');
    const value = p['se_va'] === undefined ? undefined : Number(p['se_va']);
    return { type: 'track', event: action, properties: defined({ category: p['se_ca'], label: p['se_la'], property: p['se_pr'], value: Number.isFinite(value) ? value : p['se_va'] }) };
  }
  const name = typeof e === 'string' ? EVENT_NAMES[e] : undefined;
  if (!name) return refuse('e', `\`e\` must be pv, pp, se, ue, tr or ti (got ${JSON.stringify(e)?.slice(0, 40) ?? 'nothing'})`);
  return { type: 'track', event: name };
}

/**
 * `key`: the source's write key when the tracker sends it as its app id (`aid`): then it is not
 * stored with the event.
 */
export function mapSnowplowEvent(raw: unknown, key: string): Mapping {
  if (!isObj(raw)) return refuse('e', 'an event must be a JSON object of parameters');
  const notString = strings(raw);
  if (notString) return notString;
  const p = raw as Record<string, string | undefined>;
  const kind = kindAndName(raw);
  if (isMapping(kind)) return kind;
  for (const f of ['uid', 'duid', 'eid'] as const) if ((p[f]?.length ?? 0) > MAX_ID_LENGTH) return refuse(f, `\`${f}\` is longer than ${MAX_ID_LENGTH} characters`);
  if ((kind.event?.length ?? 0) > MAX_NAME_LENGTH) return refuse(p['e'] === 'se' ? 'se_ac' : 'ue_px', `the event name is longer than ${MAX_NAME_LENGTH} characters`);
  const times: Record<string, string | undefined> = {};
  for (const f of ['dtm', 'stm'] as const) {
    if (p[f] === undefined) continue;
    const t = isoFromMs(p[f]);
    if (t === null) return refuse(f, `\`${f}\` must be milliseconds since the epoch`);
    times[f] = t;
  }
  const contexts = selfDescribing(raw, 'co', 'cx');
  if (isMapping(contexts)) return contexts;
  const anonymousId = p['duid'] || p['nuid'] || p['tnuid'];
  if (!p['uid'] && !anonymousId) return refuse('duid', 'one of `duid` (or `nuid`) or `uid` is required');
  const rest = Object.fromEntries(Object.entries(p).filter(([k]) => !MAPPED.has(k)));
  if (p['aid'] && p['aid'] !== key) rest['aid'] = p['aid'];
  const snowplow = defined({ ...rest, contexts: Array.isArray(contexts?.['data']) ? contexts['data'] : undefined });
  return {
    ok: true,
    event: defined({
      type: kind.type,
      event: kind.event,
      name: kind.type === 'page' ? p['page'] || undefined : undefined,
      userId: p['uid'] || undefined,
      anonymousId: anonymousId || undefined,
      messageId: p['eid'] || undefined,
      timestamp: times['dtm'],
      sentAt: times['stm'],
      properties: kind.properties,
      context: defined({
        userAgent: p['ua'] || undefined,
        ip: p['ip'] || undefined,
        locale: p['lang'] || undefined,
        timezone: p['tz'] || undefined,
        sessionId: p['sid'] || undefined,
        library: p['tv'] ? { name: 'snowplow', version: p['tv'] } : undefined,
        page: defined({ url: p['url'] || undefined, referrer: p['refr'] || undefined, title: p['page'] || undefined }),
        snowplow: Object.keys(snowplow).length > 0 ? snowplow : undefined,
      }),
    }),
  };
}
