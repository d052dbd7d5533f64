import { CLICK_ID_COLUMNS, UTM_KEYS } from '@touchline/protocol';

/**
 * The warehouse tables, as data. Both engines generate their DDL and their load column lists from
 * these definitions, so a column exists everywhere or nowhere. Names are what a SQL user would
 * guess (`utm_source`, `gclid`, `first_utm_campaign`, `browser`, `is_bot`).
 */
export const ColumnType = {
  String: 'string',
  Timestamp: 'timestamp',
  Bool: 'bool',
  Int: 'int',
  Json: 'json',
} as const;
export type ColumnType = (typeof ColumnType)[keyof typeof ColumnType];

export interface Column {
  readonly name: string;
  readonly type: ColumnType;
  /** Documentation shown in docs/schema.md. */
  readonly doc: string;
}

const s = (name: string, doc: string): Column => ({ name, type: ColumnType.String, doc });
const t = (name: string, doc: string): Column => ({ name, type: ColumnType.Timestamp, doc });

/** Touch columns written for the first and last touch (`first_*`, `last_*`). */
export const TOUCH_STATE_FIELDS = [
  'touch_at',
  'url',
  'referrer_domain',
  ...UTM_KEYS,
  'click_id_type',
  'click_id',
] as const;

function touchStateColumns(prefix: 'first' | 'last'): Column[] {
  return TOUCH_STATE_FIELDS.map((f) =>
    f === 'touch_at'
      ? t(`${prefix}_touch_at`, `When the visitor's ${prefix} marketing touch happened`)
      : s(`${prefix}_${f}`, `\`${f}\` of the visitor's ${prefix} marketing touch`),
  );
}

/** What the tracking plan (src/plans/) found, on the events it judged: stored and quarantined alike. */
const PLAN_COLUMNS: readonly Column[] = [
  s('plan_version', 'Version of the tracking plan that judged the event (NULL: not judged)'),
  { name: 'plan_violations', type: ColumnType.Json, doc: 'The tracking plan\'s violations: [{kind, path, message, action}] (NULL: none)' },
];

export const EVENT_COLUMNS: readonly Column[] = [
  s('message_id', 'Segment messageId; unique per source (deduplicated over the dedup window)'),
  s('source_id', 'The source whose write key sent the event'),
  s('type', 'track, page, screen, identify, group or alias'),
  s('event', 'Event name (track)'),
  s('name', 'Page or screen name'),
  s('category', 'Page category'),
  s('anonymous_id', 'Anonymous (device/browser) id'),
  s('user_id', 'Known user id'),
  s('group_id', 'Group/account id (group calls)'),
  s('previous_id', 'Previous id (alias calls)'),
  t('timestamp', 'When the event happened, corrected for client clock skew'),
  t('original_timestamp', 'The client-supplied time, uncorrected'),
  t('sent_at', 'When the client sent it (client clock)'),
  t('received_at', 'When the collector received it (server clock)'),
  s('url', 'Page URL (context.page.url)'),
  s('host', 'Page host name'),
  s('path', 'Page path'),
  s('search', 'Page query string'),
  s('title', 'Page title'),
  s('referrer', 'Referrer URL'),
  s('referrer_domain', 'Referrer host, without www.'),
  ...UTM_KEYS.map((k) => s(k, `${k} of the event's page URL${k === 'utm_id' ? " (else its `gad_campaignid`)" : ''} or context.campaign`)),
  s('click_id_type', 'Registry name of the primary click id on the page URL (gclid, fbclid, …)'),
  s('click_id', 'The primary click id, byte for byte'),
  ...CLICK_ID_COLUMNS.map((c) => s(c, `${c} click id on the page URL`)),
  ...touchStateColumns('first'),
  ...touchStateColumns('last'),
  s('session_id', 'Session id reported by the client, if any'),
  s('user_agent', 'User-Agent string'),
  s('browser', 'Browser family'),
  s('browser_version', 'Browser version'),
  s('os', 'Operating system'),
  s('os_version', 'Operating system version'),
  s('device_type', 'desktop, mobile, tablet, smarttv, wearable, console or embedded'),
  s('device_vendor', 'Device vendor'),
  s('device_model', 'Device model'),
  { name: 'is_bot', type: ColumnType.Bool, doc: "The visitor's own user agent (context.userAgent; the tracker's request) is a known bot or crawler (kept, flagged, no touches). A server library's request without one is not a bot" },
  s('ip', 'Client IP (after the configured truncation)'),
  s('locale', 'context.locale'),
  s('timezone', 'context.timezone'),
  s('library_name', 'Sending library (context.library.name)'),
  s('library_version', 'Sending library version'),
  { name: 'gpc', type: ColumnType.Bool, doc: 'Global Privacy Control was set (Sec-GPC or context.gpc)' },
  { name: 'consent', type: ColumnType.Json, doc: 'Consent Mode v2 state at the time of the event' },
  { name: 'properties', type: ColumnType.Json, doc: 'Event properties' },
  { name: 'traits', type: ColumnType.Json, doc: 'Traits (identify, group)' },
  { name: 'context', type: ColumnType.Json, doc: 'The whole context object as sent' },
  ...PLAN_COLUMNS,
];

export const FAILED_EVENT_COLUMNS: readonly Column[] = [
  t('received_at', 'When the collector received it'),
  s('source_id', 'Source of the request'),
  s('endpoint', 'The API path it came in on'),
  s('request_id', 'Id of the HTTP request (several failures can share one)'),
  { name: 'batch_index', type: ColumnType.Int, doc: 'Index of the event in its batch (0 for single calls)' },
  s('message_id', 'messageId, when one could be read'),
  s('reason', 'Why it was refused, in words'),
  s('field', 'The field at fault, when there is one'),
  s('raw', 'The event as received (JSON)'),
  ...PLAN_COLUMNS,
];

export const IDENTITY_COLUMNS: readonly Column[] = [
  s('kind', 'identify, alias, or event (an event that carried both ids)'),
  s('anonymous_id', 'Anonymous id'),
  s('user_id', 'User id'),
  s('previous_id', 'Previous id (alias)'),
  s('source_id', 'Source that first reported the link'),
  t('first_seen', 'Event time the link was first seen'),
  s('message_id', 'Event that first reported the link'),
];

/** What each spooled line is. */
export const RowKind = { Event: 'event', Failed: 'failed' } as const;
export type RowKind = (typeof RowKind)[keyof typeof RowKind];

/** A spool line: one warehouse row plus its kind. Keys absent = NULL. */
export type SpoolRow = { kind: RowKind } & Record<string, string | number | boolean | undefined>;

/** Every column a spool line can carry (events ∪ failed events), with its type. */
export const SPOOL_COLUMNS: readonly Column[] = (() => {
  const seen = new Map<string, Column>();
  seen.set('kind', s('kind', 'Row kind'));
  for (const c of [...EVENT_COLUMNS, ...FAILED_EVENT_COLUMNS]) if (!seen.has(c.name)) seen.set(c.name, c);
  return [...seen.values()];
})();
