import type { ModelSql } from './model-sql.js';

const EVENT_COLUMNS = [
  'message_id', 'type', 'event', '"timestamp"', 'anonymous_id', 'user_id', 'url', 'user_agent', 'ip', 'gpc', 'consent',
  'properties', 'traits', 'gclid', 'gbraid', 'wbraid', 'fbclid', 'click_id_type', 'click_id',
].join(', ');

/**
 * The identity interface the model is written against: every event with its `person_id`. Today a
 * person is the user id, else the user id its anonymous id (or alias previous id) was first
 * linked to in `identities`, else the anonymous id. When the identity work publishes its
 * id -> person map, this one function switches to it and the model is unchanged.
 */
export function eventsWithPerson(m: ModelSql, where: string): string {
  const links =
    `SELECT ${m.orEmpty('coalesce(anonymous_id, previous_id)')} AS _tl_anon, ${m.argMinIf('user_id', 'first_seen', '1 = 1')} AS _tl_person ` +
    `FROM identities WHERE user_id IS NOT NULL AND coalesce(anonymous_id, previous_id) IS NOT NULL GROUP BY ${m.orEmpty('coalesce(anonymous_id, previous_id)')}`;
  return (
    `SELECT ${EVENT_COLUMNS}, ${m.firstOf('user_id', '_tl_person', 'anonymous_id')} AS person_id ` +
    `FROM (SELECT ${EVENT_COLUMNS}, ${m.orEmpty('anonymous_id')} AS _tl_anon FROM events WHERE ${where}) AS _tl_e ` +
    `${m.leftJoin} (${links}) AS _tl_links USING (_tl_anon)`
  );
}

