import type { MapEnv } from '../../contract/context.js';
import { mappedFields } from '../../contract/json-values.js';
import { mapped, refuse, type MapOutcome } from '../../contract/result.js';
import type { Row } from '../../contract/row.js';
import { readString, readTime } from '../../contract/row-values.js';
import { normalizeEmailForCrm } from '../../normalize/crm-values.js';
import { deterministicUlid } from '../../normalize/ulid.js';
import type { CustomerIoConfig } from './config.js';

/** One entry of a v2 batch (activation-contracts.md §8.2). */
export interface CustomerIoEntry {
  type: 'person';
  identifiers: { id?: string; email?: string };
  action: 'identify' | 'event';
  attributes?: Record<string, unknown>;
  name?: string;
  id?: string;
  timestamp?: number;
}

export const customerIoColumns = {
  '<idColumn>': 'required: the person id or e-mail (config identifier)',
  '<each key of config.attributes>': 'mapped to its attribute; strings trimmed, null clears',
  event: 'action event: the event name (else config eventName)',
  event_id: 'action event: required, the dedup key (sent as a ULID derived from it)',
  event_time: 'action event: required, when it happened',
} as const;

/**
 * Maps a row to a v2 entry: `identify` with attributes, or `event` with a ULID `id` derived from
 * the row's event_id and time, so Customer.io dedups a resend (§8.2).
 */
export function mapCustomerIo(row: Row, config: CustomerIoConfig, _env: MapEnv): MapOutcome<CustomerIoEntry> {
  const raw = readString(row, config.idColumn);
  const id = raw && config.identifier === 'email' ? normalizeEmailForCrm(raw) : raw;
  if (!id) return refuse('INVALID_IDENTIFIER', `column ${config.idColumn} (the Customer.io ${config.identifier}) is empty or not valid`, config.idColumn);
  const attrs = mappedFields(row, config.attributes);
  if (attrs.bad) return refuse('INVALID_ATTRIBUTE_VALUE', `column ${attrs.bad} holds a value Customer.io cannot take`, attrs.bad);
  const identifiers = { [config.identifier]: id };
  const attributes = Object.keys(attrs.fields).length ? { attributes: attrs.fields } : {};
  if (config.action === 'identify') return mapped(`person:${config.identifier}:${id}`, { type: 'person', identifiers, action: 'identify', ...attributes });
  const name = readString(row, 'event') ?? config.eventName;
  if (!name) return refuse('MISSING_EVENT_NAME', 'no event column and no config eventName', 'event');
  const eventId = readString(row, 'event_id');
  if (!eventId) return refuse('MISSING_EVENT_ID', 'event_id is required so a resend is counted once', 'event_id');
  const at = readTime(row, 'event_time');
  if (at === undefined) return refuse('INVALID_EVENT_TIME', 'event_time is missing or not a timestamp', 'event_time');
  const key = `event:${name}:${eventId}`;
  return mapped(key, { type: 'person', identifiers, action: 'event', name, id: deterministicUlid(at, key), timestamp: Math.floor(at / 1000), ...attributes });
}
