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
import type { StandIn, StandInAnswer } from '../stand-in-types.js';
import { startStandIn, type StandInOptions, type VendorContract } from '../stand-in-server.js';
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

/** Starts the stand-in on a free port. */
export async function startSalesforceStandIn(options: SalesforceStandInOptions = {}): Promise<SalesforceStandIn> {
  const objects = options.objects ?? DEFAULT_SALESFORCE_OBJECTS;
  const records = new Map<string, Json>();
  const ids = new Map<string, string>();
  const route = /^\/services\/data\/v(\d{2})\.(\d)\/composite\/sobjects\/([A-Za-z0-9_]+)\/([A-Za-z0-9_]+)$/;
  let apiUsage = 0;

  const contract: VendorContract<Json> = {
    name: 'salesforce',
    dedupWindowMs: Infinity,
    route: (r) =>
      (r.method === 'PATCH' && route.test(r.path) && Number(route.exec(r.path)![1]) >= 46) || (r.method === 'DELETE' && DELETE_ROUTE.test(r.path)),
    notFound: () => sfError(404, 'NOT_FOUND', 'The requested resource does not exist'),
    credential: (r) => bearerToken(r.headers),
    unauthorized: () => sfError(401, 'INVALID_SESSION_ID', 'Session expired or invalid'),
    rateLimited: () => sfError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'),
    errorBody: (status) =>
      status >= 500 ? [{ message: 'Service temporarily unavailable (injected)', errorCode: 'SERVER_UNAVAILABLE' }] : [{ message: 'Injected error', errorCode: 'INVALID_FIELD' }],
    handle(req, ctx) {
      apiUsage++;
      if (req.method === 'DELETE') return deleteByExternalId(objects, records, req.path, req.body);
      const [, , , sobject = '', extField = ''] = route.exec(req.path) ?? [];
      const d = objects[sobject];
      if (!d) return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
      if (!d.externalIds.includes(extField)) return sfError(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${extField}`);
      const body = req.body;
      if (!isObject(body)) return sfError(400, 'JSON_PARSER_ERROR', 'Unexpected character: request body is not JSON');
      const list = asArray(body['records']);
      if (!list || list.length === 0) return sfError(400, 'INVALID_FIELD', 'records is required');
      if (list.length > 200) return sfError(400, 'EXCEEDED_ID_LIMIT', 'record limit reached. cannot submit more than 200 records into this call');
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
      const seen = new Map<string, number>();
      (list as Json[]).forEach((r) => seen.set(String(r[extField]), (seen.get(String(r[extField])) ?? 0) + 1));
      const outcomes = (list as Json[]).map((r, i) => {
        const fail = (statusCode: string, message: string, fields: string[] = []) => ({ success: false as const, errors: [{ statusCode, message, fields }] });
        const ext = r[extField];
        if (ctx.partial?.indexes.includes(i)) return fail(ctx.partial.code ?? 'FIELD_CUSTOM_VALIDATION_EXCEPTION', 'Scripted failure', []);
        if ('Id' in r) return fail('INVALID_FIELD', 'Id cannot be specified in an upsert by external id', ['Id']);
        if (typeof ext !== 'string' || ext === '') return fail('MISSING_ARGUMENT', `${extField} not specified`, [extField]);
        if ((seen.get(ext) ?? 0) > 1) return fail('DUPLICATE_VALUE', `Duplicate external id specified: ${ext}`, [extField]);
        for (const [k, t] of Object.entries(d.fields)) {
          if (t === 'email' && typeof r[k] === 'string' && !EMAIL.test(r[k])) return fail('INVALID_EMAIL_ADDRESS', `${k}: invalid email address: ${r[k]}`, [k]);
        }
        const key = `${sobject}:${ext}`;
        const existing = records.get(key);
        if (!existing) {
          const missing = d.requiredOnCreate.filter((f) => r[f] === undefined || r[f] === null || r[f] === '');
          if (missing.length) return fail('REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing);
        }
        return { success: true as const, key, record: r, created: !existing };
      });
      const allOrNone = body['allOrNone'] === true && outcomes.some((o) => !o.success);
      const results = outcomes.map((o) => {
        if (!o.success) return { id: null, success: false, errors: o.errors };
        if (allOrNone) return { id: null, success: false, errors: [{ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK', message: 'Record rolled back because not all records were valid and the request was using AllOrNone header', fields: [] }] };
        const { attributes: _a, ...fields } = o.record;
        records.set(o.key, { ...(records.get(o.key) ?? {}), ...fields });
        let id = ids.get(o.key);
        if (!id) ids.set(o.key, (id = `${d.keyPrefix}${String(ids.size + 1).padStart(12, '0')}AAA`));
        ctx.accept(o.key, o.record);
        return { id, success: true, errors: [], created: o.created };
      });
      return { status: 200, headers: { 'sforce-limit-info': `api-usage=${apiUsage}/100000` }, body: results };
    },
  };
  const base = await startStandIn(contract, options);
  const reset = base.reset;
  return Object.assign(base, {
    records: records as ReadonlyMap<string, Json>,
    reset: () => {
      reset();
      records.clear();
      ids.clear();
    },
  });
}
