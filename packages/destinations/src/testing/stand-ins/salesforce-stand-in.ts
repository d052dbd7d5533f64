/**
 * Contract stand-in for Salesforce sObject Collections upsert,
 * `PATCH /services/data/vXX.X/composite/sobjects/{SObject}/{ExternalIdField}`.
 *
 * Follows (shared/research/activation-contracts.md):
 * - §7.1 endpoint (API v46.0+) and Bearer auth; 401 `INVALID_SESSION_ID` for a bad token;
 * - §7.2 request: `{allOrNone, records}`, at most 200 records of one sObject type, no `Id` field,
 *   each with the external id value; JSON-typed values, `null` clears a field;
 * - §7.3 answers: 200 with a per-record array in request order (`id`, `success`, `errors`,
 *   `created`), 400 `[{message, errorCode}]` for a malformed request; per-record codes
 *   REQUIRED_FIELD_MISSING, INVALID_EMAIL_ADDRESS, UNABLE_TO_LOCK_ROW, ...; with allOrNone:true
 *   any failure rolls back every record (ALL_OR_NONE_OPERATION_ROLLED_BACK);
 * - §7.4 limits: daily allocation exhausted -> 403 `REQUEST_LIMIT_EXCEEDED` (no 429, no
 *   Retry-After); `Sforce-Limit-Info` on every answer;
 * - https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_upsert.htm
 *   ("Upsert Multiple Records Using sObject Collections").
 * - delete by external id, `DELETE /services/data/vXX.X/sobjects/{SObject}/{ExternalIdField}/{value}`
 *   (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_delete_record.htm
 *   and resources_sobject_upsert.htm): 204 with no body; 404 `NOT_FOUND` for an unknown sObject,
 *   a field that is not an external id, or no such record; a request body is refused (400).
 * Field existence and types come from `objects` (a describe the test provides); unknown fields
 * and type mismatches fail the whole request, as Salesforce's JSON deserialisation does.
 */
import type { RecordedRequest, StandIn, StandInAnswer } from '../stand-in-types.js';
import { startStandIn, withVendorState, type HandlerContext, type StandInOptions, type VendorContract } from '../stand-in-server.js';
import { asArray, isObject, type Json } from '../json-shape.js';
import { bearerToken } from '../local-server.js';

export type SalesforceFieldType = 'string' | 'email' | 'number' | 'boolean' | 'date' | 'datetime';

/** A minimal describe: fields with types, which are external ids, which are required on create. */
export interface SalesforceObjectDescribe {
  readonly keyPrefix: string;
  readonly fields: Readonly<Record<string, SalesforceFieldType>>;
  readonly externalIds: readonly string[];
  readonly requiredOnCreate: readonly string[];
}

/** Lead and Contact with the standard fields Touchline maps and the custom fields the docs use. */
export const DEFAULT_SALESFORCE_OBJECTS: Readonly<Record<string, SalesforceObjectDescribe>> = {
  Lead: {
    keyPrefix: '00Q',
    fields: {
      FirstName: 'string', LastName: 'string', Company: 'string', Email: 'email', Phone: 'string', LeadSource: 'string',
      Status: 'string', Touchline_Id__c: 'string', External_Id__c: 'string', Feature_X_Uses__c: 'number',
      Last_Seen__c: 'datetime', Is_Trial__c: 'boolean', Plan__c: 'string',
    },
    externalIds: ['Touchline_Id__c', 'External_Id__c'],
    requiredOnCreate: ['LastName', 'Company'],
  },
  Contact: {
    keyPrefix: '003',
    fields: {
      FirstName: 'string', LastName: 'string', Email: 'email', Phone: 'string', Touchline_Id__c: 'string',
      External_Id__c: 'string', Feature_X_Uses__c: 'number', Last_Seen__c: 'datetime', Is_Trial__c: 'boolean', Plan__c: 'string',
    },
    externalIds: ['Touchline_Id__c', 'External_Id__c'],
    requiredOnCreate: ['LastName'],
  },
};

export interface SalesforceStandInOptions extends StandInOptions {
  /** @defaultValue {@link DEFAULT_SALESFORCE_OBJECTS} */
  readonly objects?: Readonly<Record<string, SalesforceObjectDescribe>>;
}

export interface SalesforceStandIn extends StandIn<Json> {
  /** Stored records by `<SObject>:<external id>`, fields merged across upserts. */
  readonly records: ReadonlyMap<string, Json>;
}

const sfError = (status: number, errorCode: string, message: string): StandInAnswer => ({ status, body: [{ message, errorCode }] });
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

function typeOk(type: SalesforceFieldType, v: unknown): boolean {
  if (v === null) return true;
  switch (type) {
    case 'number': return typeof v === 'number';
    case 'boolean': return typeof v === 'boolean';
    case 'date': return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v);
    case 'datetime': return typeof v === 'string' && !Number.isNaN(Date.parse(v));
    default: return typeof v === 'string';
  }
}

const DELETE_ROUTE = /^\/services\/data\/v(\d{2})\.(\d)\/sobjects\/([A-Za-z0-9_]+)\/([A-Za-z0-9_]+)\/([^/]+)$/;

/** `DELETE …/sobjects/{SObject}/{ExternalIdField}/{value}`: one record, by external id. */
function deleteByExternalId(objects: Readonly<Record<string, SalesforceObjectDescribe>>, records: Map<string, Json>, path: string, body: unknown): StandInAnswer {
  const [, , , sobject = '', extField = '', raw = ''] = DELETE_ROUTE.exec(path) ?? [];
  const d = objects[sobject];
  if (!d) return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
  if (!d.externalIds.includes(extField)) return sfError(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${extField}`);
  if (body !== undefined && body !== '') return sfError(400, 'JSON_PARSER_ERROR', 'a DELETE takes no request body');
  const key = `${sobject}:${decodeURIComponent(raw)}`;
  if (!records.has(key)) return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
  records.delete(key);
  return { status: 204, body: '' };
}

const UPSERT_ROUTE = /^\/services\/data\/v(\d{2})\.(\d)\/composite\/sobjects\/([A-Za-z0-9_]+)\/([A-Za-z0-9_]+)$/;

/** The org: its describes, stored records and their ids, and the API calls counted so far. */
interface SalesforceState {
  readonly objects: Readonly<Record<string, SalesforceObjectDescribe>>;
  readonly records: Map<string, Json>;
  readonly ids: Map<string, string>;
  apiUsage: number;
}

/** One record's outcome before allOrNone is applied. */
type Outcome = { success: false; errors: Json[] } | { success: true; key: string; record: Json; created: boolean };

/** JSON deserialisation fails the whole request: a record of another type, an unknown field, a mistyped value. */
function deserialiseError(d: SalesforceObjectDescribe, sobject: string, list: unknown[]): StandInAnswer | undefined {
  for (const r of list) {
    if (!isObject(r) || !isObject(r['attributes']) || r['attributes']['type'] !== sobject) {
      return sfError(400, 'INVALID_TYPE', `every record needs attributes.type = ${sobject}`);
    }
    for (const [k, v] of Object.entries(r)) {
      if (k === 'attributes' || k === 'Id') continue;
      const type = d.fields[k];
      if (!type) return sfError(400, 'INVALID_FIELD', `No such column '${k}' on sobject of type ${sobject}`);
      if (!typeOk(type, v)) return sfError(400, 'JSON_PARSER_ERROR', `Cannot deserialize value for ${k} (${type}) from ${JSON.stringify(v)}`);
    }
  }
  return undefined;
}

/** One record's per-record failure (Id given, external id missing or repeated, bad e-mail, required fields), or its upsert. */
function outcomeFor(st: SalesforceState, d: SalesforceObjectDescribe, at: { sobject: string; extField: string }, r: Json, repeats: number, scripted: HandlerContext<Json>['partial'] | undefined): Outcome {
  const fail = (statusCode: string, message: string, fields: string[] = []): Outcome => ({ success: false, errors: [{ statusCode, message, fields }] });
  const { sobject, extField } = at;
  const ext = r[extField];
  if (scripted) return fail(scripted.code ?? 'FIELD_CUSTOM_VALIDATION_EXCEPTION', 'Scripted failure', []);
  if ('Id' in r) return fail('INVALID_FIELD', 'Id cannot be specified in an upsert by external id', ['Id']);
  if (typeof ext !== 'string' || ext === '') return fail('MISSING_ARGUMENT', `${extField} not specified`, [extField]);
  if (repeats > 1) return fail('DUPLICATE_VALUE', `Duplicate external id specified: ${ext}`, [extField]);
  for (const [k, t] of Object.entries(d.fields)) {
    if (t === 'email' && typeof r[k] === 'string' && !EMAIL.test(r[k])) return fail('INVALID_EMAIL_ADDRESS', `${k}: invalid email address: ${r[k]}`, [k]);
  }
  const key = `${sobject}:${ext}`;
  const existing = st.records.get(key);
  if (!existing) {
    const missing = d.requiredOnCreate.filter((f) => r[f] === undefined || r[f] === null || r[f] === '');
    if (missing.length) return fail('REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing);
  }
  return { success: true, key, record: r, created: !existing };
}

/** Stores the successful records (none when allOrNone and any failed) and answers each in request order. */
function applyOutcomes(st: SalesforceState, d: SalesforceObjectDescribe, outcomes: Outcome[], allOrNone: boolean, ctx: HandlerContext<Json>): Json[] {
  const rolledBack = allOrNone && outcomes.some((o) => !o.success);
  return outcomes.map((o) => {
    if (!o.success) return { id: null, success: false, errors: o.errors };
    if (rolledBack) return { id: null, success: false, errors: [{ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK', message: 'Record rolled back because not all records were valid and the request was using AllOrNone header', fields: [] }] };
    const { attributes: _a, ...fields } = o.record;
    st.records.set(o.key, { ...(st.records.get(o.key) ?? {}), ...fields });
    let id = st.ids.get(o.key);
    if (!id) st.ids.set(o.key, (id = `${d.keyPrefix}${String(st.ids.size + 1).padStart(12, '0')}AAA`));
    ctx.accept(o.key, o.record);
    return { id, success: true, errors: [], created: o.created };
  });
}

/** `PATCH …/composite/sobjects/{SObject}/{ExternalIdField}`: the request checks, then each record. */
function upsert(st: SalesforceState, req: RecordedRequest, ctx: HandlerContext<Json>): StandInAnswer {
  const [, , , sobject = '', extField = ''] = UPSERT_ROUTE.exec(req.path) ?? [];
  const d = st.objects[sobject];
  if (!d) return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
  if (!d.externalIds.includes(extField)) return sfError(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${extField}`);
  const body = req.body;
  if (!isObject(body)) return sfError(400, 'JSON_PARSER_ERROR', 'Unexpected character: request body is not JSON');
  const list = asArray(body['records']);
  if (!list || list.length === 0) return sfError(400, 'INVALID_FIELD', 'records is required');
  if (list.length > 200) return sfError(400, 'EXCEEDED_ID_LIMIT', 'record limit reached. cannot submit more than 200 records into this call');
  const refused = deserialiseError(d, sobject, list);
  if (refused) return refused;
  const records = list as Json[];
  const seen = new Map<string, number>();
  records.forEach((r) => seen.set(String(r[extField]), (seen.get(String(r[extField])) ?? 0) + 1));
  const outcomes = records.map((r, i) => outcomeFor(st, d, { sobject, extField }, r, seen.get(String(r[extField])) ?? 0, ctx.partial?.indexes.includes(i) ? ctx.partial : undefined));
  const results = applyOutcomes(st, d, outcomes, body['allOrNone'] === true, ctx);
  return { status: 200, headers: { 'sforce-limit-info': `api-usage=${st.apiUsage}/100000` }, body: results };
}

function salesforceContract(st: SalesforceState): VendorContract<Json> {
  return {
    name: 'salesforce',
    dedupWindowMs: Infinity,
    route: (r) =>
      (r.method === 'PATCH' && UPSERT_ROUTE.test(r.path) && Number(UPSERT_ROUTE.exec(r.path)![1]) >= 46) || (r.method === 'DELETE' && DELETE_ROUTE.test(r.path)),
    notFound: () => sfError(404, 'NOT_FOUND', 'The requested resource does not exist'),
    credential: (r) => bearerToken(r.headers),
    unauthorized: () => sfError(401, 'INVALID_SESSION_ID', 'Session expired or invalid'),
    rateLimited: () => sfError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'),
    errorBody: (status) =>
      status >= 500 ? [{ message: 'Service temporarily unavailable (injected)', errorCode: 'SERVER_UNAVAILABLE' }] : [{ message: 'Injected error', errorCode: 'INVALID_FIELD' }],
    handle(req, ctx) {
      st.apiUsage++;
      if (req.method === 'DELETE') return deleteByExternalId(st.objects, st.records, req.path, req.body);
      return upsert(st, req, ctx);
    },
  };
}

/** Starts the stand-in on a free port. */
export async function startSalesforceStandIn(options: SalesforceStandInOptions = {}): Promise<SalesforceStandIn> {
  const st: SalesforceState = { objects: options.objects ?? DEFAULT_SALESFORCE_OBJECTS, records: new Map(), ids: new Map(), apiUsage: 0 };
  const base = await startStandIn(salesforceContract(st), options);
  return withVendorState(base, { records: st.records as ReadonlyMap<string, Json> }, () => {
    st.records.clear();
    st.ids.clear();
  });
}
