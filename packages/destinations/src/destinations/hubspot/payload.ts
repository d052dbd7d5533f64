/** One input of `contacts/batch/upsert` (§6.2). Property values are strings. */
export interface HubspotUpsertInput {
  idProperty: string;
  id: string;
  properties: Record<string, string>;
  /** Echoed on results and errors; Touchline sets it to the dedup key to match answers to rows. */
  objectWriteTraceId: string;
}

/** An element of `results[]` (§6.3). */
export interface HubspotResult {
  id: string;
  properties?: Record<string, string | null>;
  new?: boolean;
  objectWriteTraceId?: string;
}

/** An element of `errors[]` in a 207 (§6.3). */
export interface HubspotError {
  status?: string;
  category?: string;
  message?: string;
  context?: { ids?: string[]; [key: string]: unknown };
  errors?: { message?: string; code?: string; in?: string }[];
  id?: string;
  objectWriteTraceId?: string;
}

/**
 * A contact to archive (a mirror sync's removed row): found by its id property through
 * `batch/read`, then archived by record id through `batch/archive` (HubSpot takes only record ids).
 */
export interface HubspotArchiveInput {
  archive: true;
  idProperty: string;
  id: string;
}

/** What one mapped row asks of HubSpot. */
export type HubspotInput = HubspotUpsertInput | HubspotArchiveInput;

export const isArchive = (p: HubspotInput): p is HubspotArchiveInput => 'archive' in p;
