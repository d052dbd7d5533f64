import type { Row } from '@touchline/destinations';

/** What the warehouse knows about the event's person (see `personFactsSql`); all optional. */
export interface PersonFacts {
  readonly email?: string | null;
  readonly phone?: string | null;
  /** The latest consent state, as JSON text or object. */
  readonly consent?: unknown;
  readonly gpc?: boolean | number | null;
  readonly lastUrl?: string | null;
  readonly userAgent?: string | null;
  readonly ip?: string | null;
  /** `gclid:…`, `gbraid:…` or `wbraid:…`. */
  readonly googleClick?: string | null;
  readonly googleClickAt?: string | null;
  readonly metaClick?: string | null;
  readonly metaClickAt?: string | null;
}

export type MappingSpec = string | { readonly static: unknown };

const json = (v: unknown): Record<string, unknown> => {
  if (v && typeof v === 'object') return v as Record<string, unknown>;
  if (typeof v !== 'string' || v === '') return {};
  try {
    const parsed = JSON.parse(v) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {}; // a property column that is not JSON holds nothing a mapping path can reach
  }
};

const text = (...vs: unknown[]): string | undefined => {
  for (const v of vs) {
    if (typeof v === 'string' && v.trim() !== '') return v;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  }
  return undefined;
};

const number = (...vs: unknown[]): number | undefined => {
  for (const v of vs) {
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    if (Number.isFinite(n)) return n;
  }
  return undefined;
};

const consentValue = (v: unknown): string | undefined => (v === true ? 'granted' : v === false ? 'denied' : undefined);

/** `properties.total`, `context.page.url`, `message_id`: a value inside the event. */
export function valueAt(event: Readonly<Record<string, unknown>>, path: string): unknown {
  const [head, ...rest] = path.split('.');
  let v: unknown = event[head!];
  for (const key of rest) {
    const o = typeof v === 'string' ? json(v) : v;
    v = o && typeof o === 'object' ? (o as Record<string, unknown>)[key] : undefined;
  }
  return v;
}

/**
 * The destination row for a forwarded event: the standard columns the destinations read, from
 * the event first and from what the warehouse knows about the person second (an `Order
 * Completed` sent from a server carries no gclid and no consent; the person's landing page did),
 * then the rule's mapping on top. Consent: the event's own state wins, else the person's latest;
 * GPC: set when either has it.
 */
export function forwardRow(event: Readonly<Record<string, unknown>>, facts: PersonFacts | undefined, mapping: Readonly<Record<string, MappingSpec>>): Row {
  const props = json(event['properties']);
  const traits = json(event['traits']);
  const context = json(event['context']);
  const consent = json(event['consent']);
  const personConsent = json(facts?.consent);
  const ts = text(event['timestamp']);
  const ownGoogle = (['gclid', 'gbraid', 'wbraid'] as const).find((k) => text(event[k]));
  const [gType, ...gRest] = (facts?.googleClick ?? '').split(':');
  const google = ownGoogle ? { type: ownGoogle, id: text(event[ownGoogle]), at: ts } : gType ? { type: gType, id: gRest.join(':'), at: facts?.googleClickAt ?? undefined } : undefined;
  const fbclid = text(event['fbclid']) ? { id: text(event['fbclid']), at: ts } : facts?.metaClick ? { id: facts.metaClick, at: facts.metaClickAt ?? undefined } : undefined;
  const orderId = text(props['order_id'], props['orderId'], props['transaction_id'], props['opportunity_id']);
  const value = number(props['value'], props['revenue'], props['total'], props['amount']);
  const gpc = event['gpc'] === true || facts?.gpc === true || facts?.gpc === 1;
  const row: Record<string, unknown> = {
    event_id: event['message_id'],
    message_id: event['message_id'],
    event_name: event['event'],
    event_time: ts,
    conversion_time: ts,
    transaction_id: orderId ?? event['message_id'],
    order_id: orderId ?? null,
    value: value ?? null,
    conversion_value: value ?? null,
    currency: text(props['currency'])?.toUpperCase() ?? null,
    user_id: event['user_id'] ?? null,
    anonymous_id: event['anonymous_id'] ?? null,
    external_id: event['user_id'] ?? event['anonymous_id'] ?? null,
    email: text(props['email'], traits['email'], json(context['traits'])['email'], facts?.email) ?? null,
    phone: text(props['phone'], traits['phone'], json(context['traits'])['phone'], facts?.phone) ?? null,
    gclid: google?.type === 'gclid' ? google.id : null,
    gbraid: google?.type === 'gbraid' ? google.id : null,
    wbraid: google?.type === 'wbraid' ? google.id : null,
    click_time: google?.at ?? null,
    fbclid: fbclid?.id ?? null,
    fbclid_at: fbclid?.at ?? null,
    event_source_url: text(event['url'], facts?.lastUrl) ?? null,
    client_user_agent: text(event['user_agent'], facts?.userAgent) ?? null,
    client_ip_address: text(event['ip'], facts?.ip) ?? null,
    consent_ad_user_data: consentValue(consent['ad_user_data']) ?? consentValue(personConsent['ad_user_data']) ?? null,
    consent_ad_personalization: consentValue(consent['ad_personalization']) ?? consentValue(personConsent['ad_personalization']) ?? null,
    gpc,
  };
  for (const [dest, spec] of Object.entries(mapping)) {
    row[dest] = typeof spec === 'string' ? (valueAt(event, spec) ?? row[spec] ?? null) : spec.static;
  }
  return row;
}
