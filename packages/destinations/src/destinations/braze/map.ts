import type { MapEnv } from '../../contract/context.js';
import { mappedFields } from '../../contract/json-values.js';
import { mapped, refuse, type MapOutcome } from '../../contract/result.js';
import type { Row } from '../../contract/row.js';
import { readString, readTime } from '../../contract/row-values.js';
import { normalizeEmailForCrm } from '../../normalize/crm-values.js';
import { parseE164, phoneProblemText } from '../../normalize/phone.js';
import type { BrazeConfig } from './config.js';

/** One row's objects: an attributes object, and an event when configured. */
export interface BrazeRowPayload {
  attributes?: Record<string, unknown>;
  event?: { name: string; time: string; properties?: Record<string, unknown> } & Record<string, unknown>;
}

export const brazeColumns = {
  '<idColumn>': 'required: the user identifier (config identifier: external_id, email, phone or braze_id)',
  '<each key of config.attributes>': 'mapped to its attribute; strings trimmed, null clears',
  '<event.timeColumn>': 'with config.event: when the event happened',
  '<each key of config.event.properties>': 'mapped to its event property',
} as const;

function identifier(row: Row, config: BrazeConfig): { id?: string; problem?: string } {
  const raw = readString(row, config.idColumn);
  if (!raw) return { problem: `column ${config.idColumn} (the Braze ${config.identifier}) is empty` };
  if (config.identifier === 'email') {
    const e = normalizeEmailForCrm(raw);
    return e ? { id: e } : { problem: `column ${config.idColumn} is not an e-mail address` };
  }
  if (config.identifier === 'phone') {
    const p = parseE164(raw, config.defaultCountry);
    return p.ok ? { id: p.e164 } : { problem: phoneProblemText(config.idColumn, p.problem, config.defaultCountry) };
  }
  return { id: raw };
}

/**
 * Maps a row to Braze objects (§8.1): every object carries the identifier; attributes are the
 * mapped columns (strings trimmed, e-mail and phone identifiers normalised, E.164 as Braze wants
 * for SMS); with `config.event`, one custom event at the row's time.
 */
export function mapBraze(row: Row, config: BrazeConfig, _env: MapEnv): MapOutcome<BrazeRowPayload> {
  const who = identifier(row, config);
  if (!who.id) return refuse('INVALID_IDENTIFIER', who.problem!, config.idColumn);
  const id = { [config.identifier]: who.id };
  const attrs = mappedFields(row, config.attributes);
  if (attrs.bad) return refuse('INVALID_ATTRIBUTE_VALUE', `column ${attrs.bad} holds a value Braze cannot take`, attrs.bad);
  const payload: BrazeRowPayload = {};
  if (Object.keys(attrs.fields).length > 0 || !config.event) {
    payload.attributes = { ...id, ...attrs.fields, ...(config.updateExistingOnly ? { _update_existing_only: true } : {}) };
  }
  if (!config.event) return mapped(`${config.identifier}:${who.id}`, payload);
  const at = readTime(row, config.event.timeColumn);
  if (at === undefined) return refuse('INVALID_EVENT_TIME', `column ${config.event.timeColumn} is missing or not a timestamp`, config.event.timeColumn);
  const props = mappedFields(row, config.event.properties);
  if (props.bad) return refuse('INVALID_PROPERTY_VALUE', `column ${props.bad} holds a value Braze cannot take`, props.bad);
  const time = new Date(at).toISOString();
  payload.event = { ...id, name: config.event.name, time, ...(Object.keys(props.fields).length ? { properties: props.fields } : {}) };
  return mapped(`event:${config.event.name}:${who.id}:${time}`, payload);
}
