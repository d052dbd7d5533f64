import { mapped, refuse, type MapOutcome } from '../../contract/result.js';
import type { Row } from '../../contract/row.js';
import { readString } from '../../contract/row-values.js';
import type { HubspotConfig } from './config.js';
import type { HubspotArchiveInput, HubspotUpsertInput } from './payload.js';
import { normalizeEmailForCrm, trimCrmString } from '../../normalize/crm-values.js';

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** HubSpot property values are strings (§6.2); `null` becomes "" which clears the property. */
function propertyValue(v: unknown): string | undefined {
  if (v === null) return '';
  if (typeof v === 'string') return trimCrmString(v);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : undefined;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v.toISOString();
  return undefined;
}

/**
 * Maps a row to a batch-upsert input. The id is the `idProperty` value (emails are compared
 * case-insensitively by HubSpot, so they are trimmed and lowercased); it is also the dedup key
 * and the `objectWriteTraceId`, which is how out-of-order answers find their row.
 */
export function mapHubspot(row: Row, config: HubspotConfig): MapOutcome<HubspotUpsertInput> {
  const id = contactId(row, config);
  if (typeof id !== 'string') return id;
  const properties: Record<string, string> = { [config.idProperty]: id };
  for (const [column, property] of Object.entries(config.properties)) {
    if (!(column in row) || property === config.idProperty) continue;
    const raw = propertyValue(row[column]);
    // An e-mail property is compared case-insensitively by HubSpot: send it the way it matches.
    const v = property === 'email' && raw ? (normalizeEmailForCrm(raw) ?? raw) : raw;
    if (v === undefined) return refuse('INVALID_PROPERTY_VALUE', `column ${column} (-> ${property}) holds a value HubSpot cannot take`, column);
    properties[property] = v;
  }
  return mapped(id, { idProperty: config.idProperty, id, properties, objectWriteTraceId: id });
}

/** A removed row of a mirror sync: the contact to archive, by the same id (and dedup key) as its upserts. */
export function mapHubspotArchive(row: Row, config: HubspotConfig): MapOutcome<HubspotArchiveInput> {
  const id = contactId(row, config);
  if (typeof id !== 'string') return id;
  return mapped(id, { archive: true, idProperty: config.idProperty, id });
}

/** The row's contact id (lowercased for emails: HubSpot compares them so), or why there is none. */
function contactId(row: Row, config: HubspotConfig): string | MapOutcome<never> {
  const raw = readString(row, config.idColumn);
  if (!raw) return refuse('MISSING_ID', `column ${config.idColumn} (the ${config.idProperty} id) is empty`, config.idColumn);
  const id = config.idProperty === 'email' ? raw.toLowerCase() : raw;
  if (config.idProperty === 'email' && !EMAIL.test(id)) {
    return refuse('INVALID_EMAIL', `column ${config.idColumn} is not an email address: "${raw}"`, config.idColumn);
  }
  return id;
}
