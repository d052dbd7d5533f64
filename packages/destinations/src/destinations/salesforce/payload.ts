/** One record of a Collections upsert: attributes.type, the external id, the mapped fields. */
export type SalesforceRecord = { attributes: { type: string } } & Record<string, unknown>;

/** One element of the Collections answer, in request order (§7.3). */
export interface SalesforceSaveResult {
  id?: string | null;
  success: boolean;
  created?: boolean;
  errors: { statusCode: string; message: string; fields?: string[] }[];
}

/**
 * A record to delete (a mirror sync's removed row), by its external id: one
 * `DELETE …/sobjects/{SObject}/{ExternalIdField}/{value}` each (Salesforce moves it to the
 * recycle bin).
 */
export interface SalesforceDelete {
  delete: { type: string; externalIdField: string; externalId: string };
}

/** What one mapped row asks of Salesforce. */
export type SalesforcePayload = SalesforceRecord | SalesforceDelete;

export const isDelete = (p: SalesforcePayload): p is SalesforceDelete => !('attributes' in p) && 'delete' in p;
