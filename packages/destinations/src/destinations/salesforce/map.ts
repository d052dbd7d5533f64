import { mapped, refuse, type MapOutcome } from '../../contract/result.js';
import type { Row } from '../../contract/row.js';
import { readString } from '../../contract/row-values.js';
import type { SalesforceConfig } from './config.js';
import type { SalesforceDelete, SalesforceRecord } from './payload.js';
import { trimCrmString } from '../../normalize/crm-values.js';

/** A JSON value Salesforce accepts for a field; `null` clears the field (§7.2). */
function fieldValue(v: unknown): { ok: true; value: unknown } | { ok: false } {
  if (typeof v === 'string') return { ok: true, value: trimCrmString(v) };
  if (v === null || typeof v === 'boolean') return { ok: true, value: v };
  if (typeof v === 'number') return Number.isFinite(v) ? { ok: true, value: v } : { ok: false };
  if (typeof v === 'bigint') return { ok: true, value: Number(v) };
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? { ok: false } : { ok: true, value: v.toISOString() };
  return { ok: false };
}

/**
 * Maps a row to an upsert record: `attributes.type`, the external id, and each mapped column.
 * A column absent from the row is left out (the field keeps its value); a column that is `null`
 * clears the field. No `Id` field is ever sent in an upsert (§7.2).
 */
export function mapSalesforce(row: Row, config: SalesforceConfig): MapOutcome<SalesforceRecord> {
  const externalId = readString(row, config.externalIdColumn);
  if (!externalId) {
    return refuse('MISSING_EXTERNAL_ID', `column ${config.externalIdColumn} (external id for ${config.externalIdField}) is empty`, config.externalIdColumn);
  }
  const record: SalesforceRecord = { attributes: { type: config.sobject }, [config.externalIdField]: externalId };
  for (const [column, field] of Object.entries(config.fields)) {
    if (field === 'Id') return refuse('INVALID_FIELD', 'Id cannot be set in an upsert; map the external id instead', column);
    if (field === config.externalIdField || !(column in row)) continue;
    const v = fieldValue(row[column]);
    if (!v.ok) return refuse('INVALID_FIELD_VALUE', `column ${column} (-> ${field}) holds a value Salesforce cannot take: ${typeof row[column]}`, column);
    record[field] = v.value;
  }
  return mapped(`${config.sobject}:${externalId}`, record);
}

/** A removed row of a mirror sync: the record to delete, with the same dedup key as its upserts. */
export function mapSalesforceDelete(row: Row, config: SalesforceConfig): MapOutcome<SalesforceDelete> {
  const externalId = readString(row, config.externalIdColumn);
  if (!externalId) {
    return refuse('MISSING_EXTERNAL_ID', `column ${config.externalIdColumn} (external id for ${config.externalIdField}) is empty`, config.externalIdColumn);
  }
  return mapped(`${config.sobject}:${externalId}`, { delete: { type: config.sobject, externalIdField: config.externalIdField, externalId } });
}
