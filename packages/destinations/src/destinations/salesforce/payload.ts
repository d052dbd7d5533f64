/** One record of a Collections upsert: attributes.type, the external id, the mapped fields. */
export type SalesforceRecord = { attributes: { type: string } } & Record<string, unknown>;

/** One element of the Collections answer, in request order (§7.3). */
export interface SalesforceSaveResult {
  id?: string | null;
  success: boolean;
  created?: boolean;
  errors: { statusCode: string; message: string; fields?: string[] }[];
}
