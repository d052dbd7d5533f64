import type { SqlDialect } from '../warehouse/dialect/dialect.js';
import { junkIdMatch } from './junk-ids.js';

/**
 * Identity resolution in SQL, derived on read from the raw `identities` links (and identify
 * traits), plus the small `identity_aliases` table that holds the closure of explicit `alias`
 * calls (computed in TypeScript, see alias-closure.ts).
 *
 * Semantics (PostHog's guardrails, shared/research/anchors.md §2.4):
 * - an event belongs to its user id, else to its anonymous id (junk ids are no id);
 * - `alias` merges explicitly: every id an alias chain connects resolves to the chain's root;
 * - an anonymous id seen with a user id (identify, or any event carrying both) joins that user's
 *   person. Seen with users of *different* persons (a shared computer, a family tablet), it merges
 *   nothing: its anonymous events go to the person it identified as first (earliest link, ties by
 *   user id) and `identity_warnings` says so. The users' own events stay theirs;
 * - an email an identify call gave as `traits.email` resolves `email:<address>` (what a CRM
 *   import without user ids sends) to that user, with the same rule when two users share it.
 */
export interface IdentitySqlOptions {
  readonly fns: SqlDialect;
  readonly junkIds: readonly string[];
}

/** Prefix of the ids an email resolves through (`email:ada@example.com`). */
export const EMAIL_ID_PREFIX = 'email:';

/** Usable links from an id to a user id: (id, user_id, first_ms, first_seen). */
export function idLinksSql(o: IdentitySqlOptions): string {
  const f = o.fns;
  const n = f.nullable;
  const ok = (c: string) => `NOT ${f.isJunk(c, junkIdMatch(o.junkIds))}`;
  const email = f.lower(f.trimWs(f.text(f.jsonText('traits', 'email'))));
  // Every column nullable on both sides: ClickHouse 18.16 wants UNION ALL branches of one type.
  return `SELECT ${n('anonymous_id')} AS id, ${n('user_id')} AS user_id, ${n(f.epochMs('first_seen'))} AS first_ms, ${n('first_seen')} AS first_seen
FROM identities
WHERE kind IN ('identify', 'event') AND ${ok('anonymous_id')} AND ${ok('user_id')} AND anonymous_id <> user_id
UNION ALL
SELECT ${n(`concat(${f.literal(EMAIL_ID_PREFIX)}, email)`)} AS id, ${n('uid')} AS user_id, ${n('min(t)')} AS first_ms, ${n('min(ts)')} AS first_seen
FROM (SELECT ${email} AS email, user_id AS uid, ${f.epochMs('"timestamp"')} AS t, "timestamp" AS ts FROM events WHERE type = 'identify' AND ${ok('user_id')})
WHERE email <> '' AND email LIKE '%@%'
GROUP BY email, uid`;
}

/**
 * `id_map` (id, root_id): the ids whose person is not simply themselves. Every other id is its
 * own root. The person id is the MD5 of the root.
 */
export function idMapSql(o: IdentitySqlOptions, links = 'id_links', aliases = 'identity_aliases'): string {
  const f = o.fns;
  // Both branches nullable: ClickHouse 18.16 refuses a filter on a UNION ALL of String and
  // Nullable(String) ("Illegal column for DataTypeNullable"), e.g. `WHERE id = …`.
  return `SELECT ${f.nullable('id')} AS id, ${f.nullable('root_id')} AS root_id FROM ${aliases}
UNION ALL
SELECT link_id AS id, ${f.argMin('coalesce(alias_root, link_user)', '(link_ms, link_user)')} AS root_id
FROM ${linksWithAliases(o, links, aliases)}
GROUP BY link_id`;
}

/**
 * The links of ids that no alias names, with the alias root of their user. Unqualified column
 * names throughout: ClickHouse 18.16 does not resolve `alias.column` on joined subqueries.
 */
function linksWithAliases(o: IdentitySqlOptions, links: string, aliases: string): string {
  return `(SELECT id AS link_id, user_id AS link_user, first_ms AS link_ms, first_seen AS link_seen FROM ${links} WHERE id NOT IN (SELECT id FROM ${aliases})) AS l
LEFT JOIN (SELECT id AS alias_id, ${o.fns.nullable('root_id')} AS alias_root FROM ${aliases}) AS a ON link_user = alias_id`;
}

/**
 * `identity_warnings`: what identity resolution refused to do, queryable. One row per id:
 * junk ids in identity links and on events (ignored), anonymous ids and emails linked to more
 * than one person (not merged; the earliest link wins).
 */
export function identityWarningsSql(o: IdentitySqlOptions, links = 'id_links', aliases = 'identity_aliases'): string {
  const f = o.fns;
  const junk = (c: string) => `${f.present(c)} AND ${f.isJunk(c, junkIdMatch(o.junkIds))}`;
  const n = f.nullable;
  const inLinks = (c: string) =>
    `SELECT 'junk_id' AS warning, ${n(c)} AS id, concat('ignored: identity links (', kind, ') name it as ${c}') AS detail, min(first_seen) AS first_seen, count(*) AS count
FROM identities WHERE ${junk(c)} GROUP BY ${c}, kind`;
  const onEvents = (c: string) =>
    `SELECT 'junk_id' AS warning, ${n(c)} AS id, 'ignored: events carry it as ${c}' AS detail, min("timestamp") AS first_seen, count(*) AS count
FROM events WHERE ${junk(c)} GROUP BY ${c}`;
  const root = 'coalesce(alias_root, link_user)';
  const shared = `SELECT CASE WHEN substring(link_id, 1, ${EMAIL_ID_PREFIX.length}) = ${f.literal(EMAIL_ID_PREFIX)} THEN 'shared_email' ELSE 'shared_anonymous_id' END AS warning,
  ${n('link_id')} AS id,
  ${n(`concat('linked to ', ${f.toText(`count(DISTINCT ${root})`)}, ' persons, not merged; its anonymous events go to the first: ', ${f.argMin(root, '(link_ms, link_user)')})`)} AS detail,
  min(link_seen) AS first_seen, count(*) AS count
FROM ${linksWithAliases(o, links, aliases)}
GROUP BY link_id
HAVING count(DISTINCT ${root}) > 1`;
  return [inLinks('anonymous_id'), inLinks('user_id'), inLinks('previous_id'), onEvents('anonymous_id'), onEvents('user_id'), shared]
    .map((s) => `(${s})`)
    .join('\nUNION ALL\n');
}
