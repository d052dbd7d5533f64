import { clickOfType, clickTouchSql, googleClickSql, personFactsSql } from './person-facts.js';
import { eventsWithPerson, type PersonSql } from './person-map.js';

const DAY = 86_400_000;

/** Options of the built-in `conversions` model (sync config `source`). */
export interface ConversionsModelOptions {
  /** Track event names that count as conversions. */
  readonly events: readonly string[];
  /** Only conversions this recent. */
  readonly lookbackDays: number;
  /** @defaultValue tracker */
  readonly consent?: { readonly basis: 'tracker' | 'contract' | 'denied' };
}

/**
 * The consent columns for a basis: `tracker` as recorded; `contract` fills a missing signal with
 * `granted` (an explicit `denied` stays: withdrawing consent outranks the contract); `denied`
 * denies every row. Constants only: the basis is one of three values, never pasted text.
 */
function consentColumn(recorded: () => string, basis: 'tracker' | 'contract' | 'denied'): string {
  if (basis === 'denied') return `'denied'`;
  return basis === 'contract' ? `coalesce(${recorded()}, 'granted')` : recorded();
}

/**
 * The columns the model returns. Named after what the destinations read (the Google Data Manager
 * and Meta CAPI columns), so a sync to either needs no mapping.
 */
export const CONVERSIONS_MODEL_COLUMNS: Readonly<Record<string, string>> = {
  conversion_id: 'the conversion event\'s message id: the primary key',
  event_name: 'the conversion event name',
  conversion_time: 'when it happened', event_time: 'the same, under Meta\'s name',
  event_id: 'the message id, Meta\'s dedup key',
  transaction_id: 'properties.order_id (or orderId, opportunity_id, transaction_id), else the message id: Google\'s dedup key',
  order_id: 'properties.order_id and friends, when present',
  conversion_value: 'properties.value (or revenue, total, amount)', value: 'the same, under Meta\'s name',
  currency: 'properties.currency',
  person_id: 'the person id of the `persons` view: MD5 of the identity root (alias chains, identified anonymous ids, cross-device merges)',
  user_id: 'user id of the conversion event', anonymous_id: 'anonymous id of the conversion event',
  gclid: 'the person\'s latest Google click at or before the conversion (an arrival of theirs: a page or screen view, not a bot\'s), when it was a gclid',
  gbraid: 'same, when it was a gbraid', wbraid: 'same, when it was a wbraid',
  click_time: 'when that Google click happened',
  fbclid: 'the person\'s latest Meta click at or before the conversion', fbclid_at: 'when it happened',
  first_click_id_type: 'the person\'s first click id type (their first touch carrying a click id)', first_click_id: 'its value (from the same touch)', first_touch_at: 'when',
  email: 'properties.email of the conversion, else the person\'s latest traits.email (raw: each destination normalises and hashes it its own way)',
  phone: 'same for the phone',
  consent_ad_user_data: 'granted / denied from the person\'s latest consent state (NULL: never recorded), as the source\'s consent.basis says',
  consent_ad_personalization: 'same for ad_personalization',
  gpc: 'true when any of the person\'s events carried Global Privacy Control',
  event_source_url: 'the conversion page, else the person\'s last page', client_user_agent: 'the person\'s last browser user agent',
  client_ip_address: 'the person\'s last browser IP',
};

/**
 * "Conversions with the person's click ids and hashed identifiers": one row per conversion event,
 * with the person's latest Google and Meta clicks before it, their latest email and phone (raw;
 * every destination normalises and hashes per its own rules, which differ: activation-contracts.md
 * §10.3), their latest consent state and GPC. Rows without consent are still returned: the
 * destinations' consent guard refuses them, and the refusal is recorded per row.
 */
export function conversionsModelSql(pm: PersonSql, o: ConversionsModelOptions, nowMs: number): string {
  const m = pm.sql;
  // Event names and the lookback are the sync's configuration: values (bound parameters).
  const names = o.events.map((e) => m.string(e)).join(', ');
  const since = m.timestamp(nowMs - o.lookbackDays * DAY);
  const p = (k: string) => m.jsonText('properties', k);
  const conversions =
    `SELECT message_id AS conversion_id, event AS event_name, "timestamp" AS conversion_time, user_id, anonymous_id, person_id, ` +
    `coalesce(${['value', 'revenue', 'total', 'amount'].map((k) => m.jsonNumber('properties', k)).join(', ')}) AS conversion_value, ` +
    `upper(${m.firstOf(p('currency'))}) AS currency, ` +
    `${m.firstOf(p('order_id'), p('orderId'), p('opportunity_id'), p('transaction_id'))} AS order_id, ` +
    `${m.firstOf(p('email'), m.jsonText('traits', 'email'))} AS conversion_email, ` +
    `${m.firstOf(p('phone'), m.jsonText('traits', 'phone'))} AS conversion_phone, ` +
    `${m.nullIfEmpty('url')} AS conversion_url ` +
    `FROM (${eventsWithPerson(pm, `type = 'track' AND event IN (${names}) AND "timestamp" >= ${since}`)}) AS _tl_c`;

  const facts = personFactsSql(pm, '1 = 1');

  const ts = '"timestamp"';
  const clicks =
    `SELECT person_id, ${ts} AS click_ts, ${googleClickSql(pm)} AS google_click, ${m.text('fbclid')} AS meta_click ` +
    `FROM (${eventsWithPerson(pm, `(gclid IS NOT NULL OR gbraid IS NOT NULL OR wbraid IS NOT NULL OR fbclid IS NOT NULL) AND ${clickTouchSql(pm)}`)}) AS _tl_k`;
  const g = `google_click != '' AND click_ts <= conversion_time`;
  const f = `meta_click != '' AND click_ts <= conversion_time`;
  const perConversion =
    `SELECT conversion_id, ` +
    `${m.argMaxIf('google_click', 'click_ts', g)} AS latest_google_click, ${m.maxIf('click_ts', g)} AS google_click_at, ` +
    `${m.argMaxIf('meta_click', 'click_ts', f)} AS latest_meta_click, ${m.maxIf('click_ts', f)} AS meta_click_at ` +
    `FROM (SELECT conversion_id, person_id, conversion_time FROM (${conversions}) AS _tl_cc) AS _tl_c2 ` +
    `${m.innerJoin} (${clicks}) AS _tl_k2 USING (person_id) GROUP BY conversion_id`;

  const click = (type: string) => clickOfType(pm, 'latest_google_click', type);
  // Searched CASE only: ClickHouse 18.16 answers NULL for `CASE x WHEN ...`.
  const basis = o.consent?.basis ?? 'tracker';
  const consent = (key: string) => {
    // Built only when read: the recorded state's key is a bound parameter, and unused ones are refused.
    const recorded = () => {
      const raw = m.jsonRaw('person_consent', key);
      return `CASE WHEN ${raw} = 'true' THEN 'granted' WHEN ${raw} = 'false' THEN 'denied' END`;
    };
    return consentColumn(recorded, basis);
  };
  return (
    `SELECT conversion_id, event_name, conversion_time, conversion_time AS event_time, conversion_id AS event_id, ` +
    `coalesce(order_id, conversion_id) AS transaction_id, order_id, conversion_value, conversion_value AS value, currency, ` +
    `person_id, user_id, anonymous_id, ` +
    `${click('gclid')} AS gclid, ${click('gbraid')} AS gbraid, ${click('wbraid')} AS wbraid, google_click_at AS click_time, ` +
    `${m.nullIfEmpty('latest_meta_click')} AS fbclid, meta_click_at AS fbclid_at, ` +
    `${m.nullIfEmpty('person_first_click_type')} AS first_click_id_type, ${m.nullIfEmpty('person_first_click_id')} AS first_click_id, ` +
    `person_first_touch_at AS first_touch_at, ` +
    `${m.firstOf('conversion_email', 'person_email')} AS email, ${m.firstOf('conversion_phone', 'person_phone')} AS phone, ` +
    `${consent('ad_user_data')} AS consent_ad_user_data, ${consent('ad_personalization')} AS consent_ad_personalization, ` +
    `person_gpc AS gpc, ${m.firstOf('conversion_url', 'person_last_url')} AS event_source_url, ` +
    `${m.nullIfEmpty('person_user_agent')} AS client_user_agent, ${m.nullIfEmpty('person_ip')} AS client_ip_address ` +
    `FROM (SELECT * FROM (${conversions}) AS _tl_conv ${m.leftJoin} (${facts}) AS _tl_facts USING (person_id)) AS _tl_cf ` +
    `${m.leftJoin} (${perConversion}) AS _tl_clicks USING (conversion_id)`
  );
}
