import type { MapEnv } from '../../contract/context.js';
import { jsonValue } from '../../contract/json-values.js';
import { mapped, refuse, type MapOutcome } from '../../contract/result.js';
import type { Row } from '../../contract/row.js';
import { readString } from '../../contract/row-values.js';
import type { WebhookConfig } from './config.js';

/** One row in a message's `data[]`: its id (the receiver's dedup key) and its columns. */
export interface WebhookItem {
  id: string;
  row: Record<string, unknown>;
}

export const webhookColumns = {
  '<idColumn>': 'required: the row id (config idColumn, default id); the receiver dedups on it',
  '<every other column>': 'sent as JSON: dates as ISO strings, strings as they are',
} as const;

/** Maps a row to a message item: every column as JSON, strings untouched (a column that cannot be JSON is refused by name). */
export function mapWebhook(row: Row, config: WebhookConfig, _env: MapEnv): MapOutcome<WebhookItem> {
  const id = readString(row, config.idColumn);
  if (!id) return refuse('MISSING_ID', `column ${config.idColumn} is empty; the receiver needs it to deduplicate`, config.idColumn);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (v === undefined) continue;
    const j = jsonValue(v, false);
    if (j === undefined) return refuse('INVALID_VALUE', `column ${k} holds a value that is not JSON`, k);
    out[k] = j;
  }
  return mapped(id, { id, row: out });
}
