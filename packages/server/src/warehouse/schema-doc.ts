import { CLICK_IDS } from '@touchline/protocol';
import { EVENT_COLUMNS, FAILED_EVENT_COLUMNS, IDENTITY_COLUMNS, type Column } from './schema.js';
import { SPEND_TABLE_DOCS } from './spend-tables.js';

const TYPES: Record<Column['type'], [string, string]> = {
  string: ['VARCHAR', 'Nullable(String)'],
  timestamp: ['TIMESTAMPTZ (UTC)', 'DateTime64(3, UTC), or ISO-8601 text on 18.x'],
  bool: ['BOOLEAN', 'UInt8 (shown as true/false)'],
  int: ['BIGINT', 'Nullable(Int64)'],
  json: ['JSON', 'String (JSON text)'],
};

function table(cols: readonly Column[]): string {
  const rows = cols.map((c) => `| \`${c.name}\` | ${c.type} | ${c.doc.replace(/\|/g, '\\|')} |`);
  return ['| column | type | meaning |', '|---|---|---|', ...rows].join('\n');
}

/**
 * The arrival rule, in the words both docs/schema.md (rendered here) and docs/tracking.md use: a
 * test checks that tracking.md carries this very paragraph.
 */
export const ARRIVAL_RULE = `**Only arrivals start touches and sessions.** Arrivals are page views, screen views and
the site helper's landings (each a \`page\` or \`screen\` event). \`track\`, \`identify\`, \`group\` and
\`alias\` never start a touch or a session, even on a URL that still carries the landing's UTMs or
click ids: they belong to the session open when they happen and keep it open (30 minutes by
default), and before a visitor's first arrival they belong to no session. Bots start neither.`;

/**
 * docs/schema.md, rendered from the column definitions (the one source of the schema). Long
 * because it is the page's text, one template: splitting prose across functions would hide it.
 */
// long: the page's text as one template
export function renderSchemaDoc(): string {
  return `# Warehouse schema

<!-- Generated from packages/server/src/warehouse/schema.ts by \`npm run docs:schema\`. Do not edit by hand. -->

Touchline stores raw facts: one row per event as received, enriched, never rewritten. Sessions,
persons, channels and credit are derived on read, so changing a rule re-labels history.

Logical types map to the engines as follows:

| type | DuckDB | ClickHouse |
|---|---|---|
${Object.entries(TYPES).map(([t, [d, c]]) => `| ${t} | ${d} | ${c} |`).join('\n')}

JSON columns are queried with each engine's JSON functions: DuckDB \`properties->>'plan'\`,
ClickHouse \`visitParamExtractString(properties, 'plan')\` (18.x) or \`JSONExtractString\` (19+).

## \`events\`

One row per accepted event. \`(source_id, message_id)\` is unique within the deduplication window
(\`dedup.windowHours\`, 24 h by default): a message id sent again inside the window is
acknowledged and dropped; outside it, it is a new event. On ClickHouse \`events\` is a view that
deduplicates (see docs/clickhouse.md).

- **The event's own touch**: \`utm_*\`, \`referrer\`, \`referrer_domain\`, \`click_id_type\`/\`click_id\`
  (the highest-precedence click id on the page URL) and one column per click id of the registry
  (${CLICK_IDS.map((c) => `\`${c.column}\``).join(', ')}), parsed on the server from
  \`context.page.url\`, \`context.page.referrer\` and \`context.campaign\` (the URL wins).
- **First and last touch**: \`first_*\` and \`last_*\` describe the visitor's first marketing touch
  (never overwritten) and latest one (overwritten by each new marketing touch, never by a
  direct visit) as the collector's touch store held them **when the event arrived**: a raw fact,
  on the events of every SDK (the tracker's visitor is its cookie's id, any other SDK's its
  anonymous id; see docs/tracking.md), also in \`context.touches\`. Bots' rows carry none. Events
  without a usable anonymous id keep what their sender put in \`context.touches\`. The
  \`persons\` view derives each person's touches from all their events by event time, so history
  imported later that is older than a stamped first touch is the first touch there, while the
  stamps stay as stored.
- **\`timestamp\`** is corrected for client clock skew as Segment does:
  \`timestamp = received_at - (sent_at - original_timestamp)\`.
- **\`context\`** keeps the parts of the event's \`context\` that no column holds; \`page\`,
  \`userAgent\`, \`library\`, \`campaign\`, \`locale\`, \`timezone\`, \`consent\`, \`gpc\` and \`sessionId\`
  are dropped from it only when their columns hold them entirely. \`context.ip\` is always
  dropped: the \`ip\` column holds it after the configured truncation (\`ip.truncate\`).

${ARRIVAL_RULE}

${table(EVENT_COLUMNS)}

## \`failed_events\`

Quarantine: every event the collector refused, one row each, with the reason and the raw event.
A batch with one bad event keeps the good ones; the response lists the refused indexes. Rows the
warehouse itself could not load are quarantined here too, with the database's reason, and so are
bytes of the spool damaged on disk (\`reason\` names the segment file and byte offset, \`raw\` holds
the bytes in base64; see [spool.md](spool.md)).

${table(FAILED_EVENT_COLUMNS)}

## \`identities\`

Links between ids, each recorded once: \`identify\` (anonymous id ↔ user id), \`alias\`
(previous id → user id), and \`event\` (any other event that carried both ids).

${table(IDENTITY_COLUMNS)}

## \`sources\`

Write keys: \`id\`, \`name\`, \`write_key\`, \`created_at\`, \`revoked_at\`. Create and revoke them with
\`touchline sources create <name>\` / \`touchline sources revoke <name>\`.

## \`visitor_touches\` (ClickHouse)

The tracker's touch store when it lives in the warehouse (\`tracker.touchStore.engine =
clickhouse\`, see docs/tracking.md): one row per visitor id (\`visitor_id\`) with its \`first\`,
\`last\` and \`session\` touch as JSON text and \`seen\` (last activity). A view merging the facts
collectors write to \`visitor_touches_store\`. With DuckDB the touch store is a SQLite file in the
data dir, not a warehouse table.

## Ad spend: ${Object.keys(SPEND_TABLE_DOCS).map((t) => `\`${t}\``).join(', ')}

Imported or pulled ad cost, exchange rates and campaign metadata (docs/spend.md). Cost is
\`cost_micros\`, millionths of \`currency\`, exact.

${Object.entries(SPEND_TABLE_DOCS).map(([t, d]) => `- \`${t}\`: ${d}`).join('\n')}

## \`loader_checkpoints\`, \`schema_migrations\`, \`last_load_ids\` (DuckDB)

Bookkeeping: the last spool segment each collector loaded (moved in the same transaction as the
rows on DuckDB), the applied schema migrations, and (DuckDB) the distinct \`anonymous_id\` /
\`user_id\` pairs of the latest load, written in the same transaction, from which the sessions of
the devices it touched are refreshed.
`;
}
