import type { MapEnv } from '../../contract/context.js';
import { mappedFields } from '../../contract/json-values.js';
import { mapped, refuse, type MapOutcome } from '../../contract/result.js';
import type { Row } from '../../contract/row.js';
import { readNumber, readString, readTime } from '../../contract/row-values.js';
import type { AmplitudeConfig } from './config.js';

/** An HTTP API v2 event (reporting-and-spend.md §D1). */
export interface AmplitudeEvent {
  event_type: string;
  user_id?: string;
  device_id?: string;
  /** Epoch milliseconds. */
  time: number;
  insert_id: string;
  event_properties?: Record<string, unknown>;
  user_properties?: Record<string, unknown>;
  revenue?: number;
  ip?: string;
}

export const amplitudeColumns = {
  insert_id: 'required: the event\'s unique id (Touchline\'s messageId); Amplitude ignores a repeat within 7 days',
  event_type: 'optional: else config defaultEventType',
  user_id: 'user_id or device_id required, at least minIdLength characters', device_id: 'see user_id',
  event_time: 'required: when it happened',
  revenue: 'optional: number', client_ip_address: 'optional',
  '<each key of config.properties / userProperties>': 'event / user properties',
} as const;

/**
 * Maps a row to an event (§D1): `insert_id` (Touchline's messageId) is the dedup key Amplitude
 * honours for 7 days; a user_id or device_id of at least `minIdLength` characters (shorter ids
 * are dropped by Amplitude, so they are refused here, naming the column).
 */
export function mapAmplitude(row: Row, config: AmplitudeConfig, _env: MapEnv): MapOutcome<AmplitudeEvent> {
  const insertId = readString(row, 'insert_id');
  if (!insertId) return refuse('MISSING_INSERT_ID', 'insert_id is required: Amplitude dedups resends on it', 'insert_id');
  const eventType = readString(row, 'event_type') ?? config.defaultEventType;
  if (!eventType) return refuse('MISSING_EVENT_TYPE', 'no event_type column and no config defaultEventType', 'event_type');
  const userId = readString(row, 'user_id');
  const deviceId = readString(row, 'device_id');
  if (!userId && !deviceId) return refuse('MISSING_ID', 'a user_id or device_id is required', 'user_id');
  for (const [col, v] of [['user_id', userId], ['device_id', deviceId]] as const) {
    if (v !== undefined && v.length < config.minIdLength) return refuse('ID_TOO_SHORT', `${col} "${v}" is shorter than ${config.minIdLength} characters; Amplitude would drop the event`, col);
  }
  const time = readTime(row, 'event_time');
  if (time === undefined) return refuse('INVALID_EVENT_TIME', 'event_time is missing or not a timestamp', 'event_time');
  const props = mappedFields(row, config.properties);
  const userProps = mappedFields(row, config.userProperties);
  const bad = props.bad ?? userProps.bad;
  if (bad) return refuse('INVALID_PROPERTY_VALUE', `column ${bad} holds a value Amplitude cannot take`, bad);
  const revenue = row['revenue'] == null ? undefined : readNumber(row, 'revenue');
  if (row['revenue'] != null && revenue === undefined) return refuse('INVALID_REVENUE', 'revenue must be a number', 'revenue');
  const ip = readString(row, 'client_ip_address');
  return mapped(insertId, {
    event_type: eventType,
    ...(userId ? { user_id: userId } : {}),
    ...(deviceId ? { device_id: deviceId } : {}),
    time,
    insert_id: insertId,
    ...(Object.keys(props.fields).length ? { event_properties: props.fields } : {}),
    ...(Object.keys(userProps.fields).length ? { user_properties: userProps.fields } : {}),
    ...(revenue !== undefined ? { revenue } : {}),
    ...(ip ? { ip } : {}),
  });
}
