/**
 * Contract stand-in for HubSpot `POST /crm/v3/objects/contacts/batch/upsert` (and the
 * date-versioned `/crm/objects/{2026-03|2026-09}/contacts/batch/upsert`, same contract).
 *
 * Follows (shared/research/activation-contracts.md):
 * - §6.1 endpoints and Bearer auth (private app / OAuth token);
 * - §6.2 request: `inputs` of {idProperty, id, properties (string values), objectWriteTraceId},
 *   at most 100; idProperty is `email` or a unique-value property; unknown property -> 400
 *   VALIDATION_ERROR / PROPERTY_DOESNT_EXIST; duplicate ids in one batch -> 400 "Duplicate IDs
 *   found in batch input";
 * - §6.3 answers: 200 `status: COMPLETE` with `results[]`; 207 Multi-Status adding
 *   `numErrors` + `errors[]` for per-input failures (invalid email, invalid enumeration option);
 *   results and errors are NOT in request order (this stand-in shuffles them, seeded);
 * - §6.4 limits: 429 with `policyName` TEN_SECONDLY_ROLLING and the X-HubSpot-RateLimit-*
 *   headers;
 * - `contacts/batch/read` with `idProperty` (email or a unique-value property; without it the ids are
 *   record ids), at most 100 inputs of `{id}`: 200 with `results[]`, 207 adding `errors[]` with
 *   OBJECT_NOT_FOUND for ids it does not find (§6.3's verbatim error element);
 * - `contacts/batch/archive`, at most 100 inputs of `{id}` where each id is a record id (digits):
 *   204 with no body, also for ids already gone; anything else is a 400 VALIDATION_ERROR;
 * - https://developers.hubspot.com/docs/api/crm/contacts (batch upsert, read, archive),
 *   https://developers.hubspot.com/docs/api/usage-details (rate limits).
 */
import type { RecordedRequest, StandIn, StandInAnswer } from '../stand-in-types.js';
import { seededShuffle } from '../seeded-random.js';
import { startStandIn, withVendorState, type HandlerContext, type StandInOptions, type VendorContract } from '../stand-in-server.js';
import { asArray, isNonEmptyString, isObject, type Json } from '../json-shape.js';
import { bearerToken } from '../local-server.js';

/** A contact property as `/crm/v3/properties/contacts` would describe it. */
export interface HubspotPropertyDescribe {
  readonly type: 'string' | 'number' | 'date' | 'datetime' | 'enumeration' | 'bool';
  readonly hasUniqueValue?: boolean;
  /** Option internal names, for enumerations. */
  readonly options?: readonly string[];
}

export const DEFAULT_HUBSPOT_PROPERTIES: Readonly<Record<string, HubspotPropertyDescribe>> = {
  email: { type: 'string', hasUniqueValue: true },
  firstname: { type: 'string' },
  lastname: { type: 'string' },
  phone: { type: 'string' },
  lifecyclestage: { type: 'enumeration', options: ['subscriber', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity', 'customer', 'evangelist', 'other'] },
  ltv_score: { type: 'number' },
  plan_tier: { type: 'enumeration', options: ['free', 'pro', 'enterprise'] },
  feature_x_uses: { type: 'number' },
  last_seen_at: { type: 'datetime' },
  touchline_id: { type: 'string', hasUniqueValue: true },
};

export interface HubspotStandInOptions extends StandInOptions {
  /** @defaultValue {@link DEFAULT_HUBSPOT_PROPERTIES} */
  readonly properties?: Readonly<Record<string, HubspotPropertyDescribe>>;
}

export interface HubspotStandIn extends StandIn<Json> {
  /** Contacts by `<idProperty>:<id>` with merged properties. */
  readonly contacts: ReadonlyMap<string, Json>;
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const validation = (message: string, errors: Json[] = []): StandInAnswer => ({
  status: 400,
  body: { status: 'error', message, correlationId: 'stand-in', category: 'VALIDATION_ERROR', ...(errors.length ? { errors } : {}) },
});

const PROPERTIES_PATH = '/crm/v3/properties/contacts';
/** fieldType values HubSpot accepts for each type (developers.hubspot.com, CRM properties: "Property type and fieldType values"). */
const FIELD_TYPES: Readonly<Record<string, readonly string[]>> = {
  string: ['text', 'textarea', 'phonenumber', 'html', 'file'],
  number: ['number'],
  date: ['date'],
  datetime: ['date'],
  bool: ['booleancheckbox'],
  enumeration: ['select', 'radio', 'checkbox', 'booleancheckbox'],
};

/**
 * `POST /crm/v3/properties/contacts` (developers.hubspot.com CRM properties API): name (lower
 * case, digits, _), label, type, a fieldType that fits the type, groupName, and options for bool
 * and enumeration; 201 with the property; 409 OBJECT_ALREADY_EXISTS for a name in use; 400
 * VALIDATION_ERROR for anything malformed.
 */
function createProperty(props: Record<string, HubspotPropertyDescribe>, body: unknown): StandInAnswer {
  if (!isObject(body)) return validation('Invalid input JSON: a property object is required');
  const { name, label, type, fieldType, groupName, options } = body;
  if (!isNonEmptyString(name) || !/^[a-z][a-z0-9_]*$/.test(name)) return validation('Property name must start with a lower-case letter and hold only a-z, 0-9 and _');
  if (!isNonEmptyString(label)) return validation('label is required');
  if (!isNonEmptyString(groupName)) return validation('groupName is required');
  if (!isNonEmptyString(type) || !FIELD_TYPES[type]) return validation(`type must be one of ${Object.keys(FIELD_TYPES).join(', ')}`);
  if (!isNonEmptyString(fieldType) || !FIELD_TYPES[type]!.includes(fieldType)) return validation(`fieldType ${String(fieldType)} is not valid for type ${type}`);
  const opts = asArray(options) ?? [];
  if ((type === 'bool' || type === 'enumeration') && opts.length < (type === 'bool' ? 2 : 1)) return validation(`options are required for type ${type}`);
  if (props[name]) return { status: 409, body: { status: 'error', message: `Property named '${name}' already exists.`, category: 'OBJECT_ALREADY_EXISTS', correlationId: 'stand-in' } };
  props[name] = { type: type as HubspotPropertyDescribe['type'], ...(type === 'enumeration' ? { options: opts.map((o) => String(isObject(o) ? o['value'] : o)) } : {}) };
  return { status: 201, body: { name, label, type, fieldType, groupName, options: opts, createdAt: new Date(0).toISOString(), hidden: false, formField: false } };
}

/** The `inputs` of a batch/read or batch/archive: 1-100 objects with a string `id`, or why not. */
function idInputs(body: unknown): string[] | StandInAnswer {
  const inputs = isObject(body) ? asArray(body['inputs']) : undefined;
  if (!inputs || inputs.length === 0) return validation('Invalid input JSON: inputs is required');
  if (inputs.length > 100) return validation(`Batch input size ${inputs.length} exceeds the limit of 100`);
  const ids = inputs.map((i) => (isObject(i) && isNonEmptyString(i['id']) ? i['id'] : null));
  if (ids.some((id) => id === null)) return validation('Invalid input JSON: each input needs an id');
  return ids as string[];
}

/** Where the stand-in keeps contacts: by `<idProperty>:<value>`, and record ids by value. */
interface ContactStore {
  readonly props: Record<string, HubspotPropertyDescribe>;
  readonly contacts: Map<string, Json>;
  readonly objectIds: Map<string, string>;
}

/** `contacts/batch/read`: by `idProperty` values, or by record ids when it is absent. */
function batchRead(store: ContactStore, body: unknown, now: number): StandInAnswer {
  const ids = idInputs(body);
  if (!Array.isArray(ids)) return ids;
  const b = body as Json;
  const idProperty = b['idProperty'];
  if (idProperty !== undefined && (!isNonEmptyString(idProperty) || (idProperty !== 'email' && !store.props[idProperty]?.hasUniqueValue))) {
    return validation(`idProperty ${String(idProperty)} is not email or a unique-value property`);
  }
  const wanted = (asArray(b['properties']) ?? []).map(String);
  const results: Json[] = [];
  const missing: string[] = [];
  for (const raw of ids) {
    const value = idProperty === undefined ? [...store.objectIds].find(([, o]) => o === raw)?.[0] : idProperty === 'email' ? raw.toLowerCase() : raw;
    const contact = value === undefined ? undefined : [...store.contacts].find(([k]) => k.endsWith(`:${value}`))?.[1];
    if (!contact || value === undefined) {
      missing.push(raw);
      continue;
    }
    const properties = Object.fromEntries(wanted.map((p) => [p, (contact[p] as string | undefined) ?? null]));
    const id = store.objectIds.get(value)!;
    results.push({ id, properties: { ...properties, hs_object_id: id }, archived: false, createdAt: new Date(now).toISOString(), updatedAt: new Date(now).toISOString() });
  }
  const at = new Date(now).toISOString();
  const base = { status: 'COMPLETE', results, requestedAt: at, startedAt: at, completedAt: at };
  if (missing.length === 0) return { status: 200, body: base };
  const message = 'Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.';
  return { status: 207, body: { ...base, numErrors: 1, errors: [{ status: 'error', category: 'OBJECT_NOT_FOUND', message, context: { ids: missing } }] } };
}

/** `contacts/batch/archive`: record ids only; 204 also for ids already gone. */
function batchArchive(store: ContactStore, body: unknown): StandInAnswer {
  const ids = idInputs(body);
  if (!Array.isArray(ids)) return ids;
  const bad = ids.find((id) => !/^\d+$/.test(id));
  if (bad !== undefined) return validation(`Invalid input: ${bad} is not a valid object id (archive takes record ids, not emails or property values)`);
  for (const id of ids) {
    const value = [...store.objectIds].find(([, o]) => o === id)?.[0];
    if (value === undefined) continue;
    store.objectIds.delete(value);
    for (const key of [...store.contacts.keys()]) if (key.endsWith(`:${value}`)) store.contacts.delete(key);
  }
  return { status: 204, body: '' };
}

const UPSERT_ROUTE = /^\/crm\/(?:v3\/objects|objects\/20\d\d-\d\d)\/contacts\/batch\/upsert$/;
const BATCH_BY_ID_ROUTE = /^\/crm\/(?:v3\/objects|objects\/20\d\d-\d\d)\/contacts\/batch\/(read|archive)$/;
const stamp = (ms: number) => new Date(ms).toISOString();
const traceOf = (input: Json) => (isNonEmptyString(input['objectWriteTraceId']) ? { objectWriteTraceId: input['objectWriteTraceId'] } : {});

/** A 207 error element for one input whose property value HubSpot refuses, or undefined. */
function propertyError(props: Record<string, HubspotPropertyDescribe>, input: Json, name: string, value: string): Json | undefined {
  const p = props[name]!;
  const code = (c: string, message: string): Json => ({
    status: 'error',
    category: 'VALIDATION_ERROR',
    message,
    context: { ids: [String(input['id'])] },
    errors: [{ message, code: c, in: name }],
    ...traceOf(input),
  });
  if (name === 'email' && value !== '' && !EMAIL.test(value)) return code('INVALID_EMAIL', `Property values were not valid: email "${value}" is invalid`);
  if (p.type === 'enumeration' && value !== '' && !p.options?.includes(value)) return code('INVALID_OPTION', `${value} was not one of the allowed options for ${name}`);
  if (p.type === 'number' && value !== '' && !Number.isFinite(Number(value))) return code('INVALID_INTEGER', `${value} is not a valid number for ${name}`);
  if (p.type === 'bool' && value !== '' && value !== 'true' && value !== 'false') return code('INVALID_BOOLEAN', `${value} is not a valid boolean for ${name} (true or false)`);
  return undefined;
}

/** The 400s for a batch as a whole: malformed inputs, a bad idProperty, unknown or non-string properties, repeated ids. */
function upsertInputsError(props: Record<string, HubspotPropertyDescribe>, inputs: unknown[]): StandInAnswer | undefined {
  const ids = new Set<string>();
  const dupes = new Set<string>();
  for (const input of inputs) {
    if (!isObject(input) || !isNonEmptyString(input['id']) || !isNonEmptyString(input['idProperty']) || !isObject(input['properties'])) {
      return validation('Invalid input JSON: each input needs idProperty, id and properties');
    }
    const p = props[input['idProperty']];
    if (!p || (input['idProperty'] !== 'email' && !p.hasUniqueValue)) {
      return validation(`idProperty ${input['idProperty']} is not email or a unique-value property`);
    }
    const id = input['idProperty'] === 'email' ? input['id'].toLowerCase() : input['id'];
    if (ids.has(id)) dupes.add(id);
    ids.add(id);
    for (const [k, v] of Object.entries(input['properties'])) {
      if (!props[k]) return validation('Property values were not valid', [{ message: `Property "${k}" does not exist`, code: 'PROPERTY_DOESNT_EXIST', context: { propertyName: [k] } }]);
      if (typeof v !== 'string') return validation(`Property values must be strings: ${k}`);
    }
  }
  if (dupes.size) return validation(`Duplicate IDs found in batch input: [${[...dupes].join(', ')}]. IDs must be unique`);
  return undefined;
}

/** The error element of a scripted per-input failure. */
function scriptedError(input: Json, ctx: HandlerContext<Json>): Json {
  const category = ctx.partial?.code ?? 'VALIDATION_ERROR';
  return { status: 'error', category, message: 'Scripted failure', context: { ids: [String(input['id'])] }, errors: [{ message: 'Scripted failure', code: ctx.partial?.code ?? 'INVALID_OPTION' }], ...traceOf(input) };
}

/** Merges one valid input into its contact (a record id on first sight) and answers its result. */
function upsertContact(store: ContactStore, input: Json, ctx: HandlerContext<Json>): Json {
  const properties = input['properties'] as Record<string, string>;
  const idProperty = String(input['idProperty']);
  const idValue = idProperty === 'email' ? String(input['id']).toLowerCase() : String(input['id']);
  const existing = store.contacts.get(`${idProperty}:${idValue}`);
  const merged = { ...(existing ?? {}), ...properties, [idProperty]: idValue };
  store.contacts.set(`${idProperty}:${idValue}`, merged);
  let objectId = store.objectIds.get(idValue);
  if (!objectId) store.objectIds.set(idValue, (objectId = String(100 + store.objectIds.size)));
  ctx.accept(idValue, input);
  return {
    id: objectId,
    properties: { ...merged, hs_object_id: objectId, lastmodifieddate: stamp(ctx.now) },
    createdAt: stamp(ctx.now),
    updatedAt: stamp(ctx.now),
    archived: false,
    new: !existing,
    ...traceOf(input),
  };
}

/** `contacts/batch/upsert`: 200 COMPLETE, or 207 with per-input errors; both lists out of request order (seeded). */
function batchUpsert(store: ContactStore, body: unknown, ctx: HandlerContext<Json>): StandInAnswer {
  const inputs = isObject(body) ? asArray(body['inputs']) : undefined;
  if (!inputs || inputs.length === 0) return validation('Invalid input JSON: inputs is required');
  if (inputs.length > 100) return validation(`Batch input size ${inputs.length} exceeds the limit of 100`);
  const refused = upsertInputsError(store.props, inputs);
  if (refused) return refused;
  const results: Json[] = [];
  const errors: Json[] = [];
  (inputs as Json[]).forEach((input, i) => {
    const properties = input['properties'] as Record<string, string>;
    const err = ctx.partial?.indexes.includes(i)
      ? scriptedError(input, ctx)
      : Object.entries(properties).map(([k, v]) => propertyError(store.props, input, k, v)).find((e) => e !== undefined);
    if (err) errors.push(err);
    else results.push(upsertContact(store, input, ctx));
  });
  const at = stamp(ctx.now);
  const base = { status: 'COMPLETE', results: seededShuffle(results, ctx.random), requestedAt: at, startedAt: at, completedAt: at };
  if (errors.length === 0) return { status: 200, body: base };
  return { status: 207, body: { ...base, numErrors: errors.length, errors: seededShuffle(errors, ctx.random) } };
}

type HubspotRoute = 'properties' | 'upsert' | 'read' | 'archive';

/** Which of the stand-in's endpoints a request is for, or undefined (the vendor's 404). */
function hubspotRoute(r: RecordedRequest): HubspotRoute | undefined {
  if (r.method !== 'POST') return undefined;
  if (r.path === PROPERTIES_PATH) return 'properties';
  if (UPSERT_ROUTE.test(r.path)) return 'upsert';
  return BATCH_BY_ID_ROUTE.exec(r.path)?.[1] as 'read' | 'archive' | undefined;
}

const HUBSPOT_ROUTES: Readonly<Record<HubspotRoute, (store: ContactStore, req: RecordedRequest, ctx: HandlerContext<Json>) => StandInAnswer>> = {
  properties: (store, req) => createProperty(store.props, req.body),
  upsert: (store, req, ctx) => batchUpsert(store, req.body, ctx),
  read: (store, req, ctx) => batchRead(store, req.body, ctx.now),
  archive: (store, req) => batchArchive(store, req.body),
};

function hubspotContract(store: ContactStore): VendorContract<Json> {
  return {
    name: 'hubspot',
    dedupWindowMs: Infinity,
    route: (r) => hubspotRoute(r) !== undefined,
    notFound: () => ({ status: 404, body: { status: 'error', message: 'Resource not found', category: 'OBJECT_NOT_FOUND' } }),
    credential: (r) => bearerToken(r.headers),
    unauthorized: () => ({
      status: 401,
      body: { status: 'error', message: 'Authentication credentials not found. This API supports OAuth 2.0 authentication.', category: 'INVALID_AUTHENTICATION' },
    }),
    rateLimited: () => ({
      status: 429,
      headers: { 'x-hubspot-ratelimit-interval-milliseconds': '10000', 'x-hubspot-ratelimit-max': '100', 'x-hubspot-ratelimit-remaining': '0' },
      body: { status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT', correlationId: 'stand-in', policyName: 'TEN_SECONDLY_ROLLING' },
    }),
    errorBody: (status) =>
      status === 429
        ? { status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING' }
        : status >= 500
          ? { status: 'error', message: 'internal error (injected)', category: 'INTERNAL_ERROR' }
          : { status: 'error', message: 'Invalid input JSON (injected)', category: 'VALIDATION_ERROR' },
    handle: (req, ctx) => HUBSPOT_ROUTES[hubspotRoute(req)!](store, req, ctx),
  };
}

/** Starts the stand-in on a free port. */
export async function startHubspotStandIn(options: HubspotStandInOptions = {}): Promise<HubspotStandIn> {
  // Mutable: the properties API adds to it (created properties are then accepted by upserts).
  const store: ContactStore = { props: { ...(options.properties ?? DEFAULT_HUBSPOT_PROPERTIES) }, contacts: new Map(), objectIds: new Map() };
  const base = await startStandIn(hubspotContract(store), options);
  return withVendorState(base, { contacts: store.contacts as ReadonlyMap<string, Json> }, () => {
    store.contacts.clear();
    store.objectIds.clear();
  });
}
