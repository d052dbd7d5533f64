import { z } from 'zod';
import type { RouteEntry } from '../http/http-app.js';
import type { RouteDoc } from '../http/route-doc.js';

/** A listener's route table, as the generator reads it. */
export interface ListenerRoutes {
  readonly listener: 'public' | 'admin';
  readonly routes: readonly RouteEntry[];
}

type Json = Record<string, unknown>;

/** The spec's own version (`info.version`): raised when an operation changes incompatibly. */
export const API_VERSION = '1.0.0';

/** The routes an operation is made for: HEAD and CORS preflights are fastify's copies of others. */
export const describedMethod = (method: string): boolean => method !== 'HEAD' && method !== 'OPTIONS';

/** `/a/:id` → `/a/{id}`, OpenAPI's path template. */
export const openApiPath = (url: string): string => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/** JSON Schema 2020-12 of what a request may send (`io: input`: before any transform). */
export function jsonSchemaOf(schema: z.ZodType): Json {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  return rest;
}

const ERROR_BODY: Json = {
  type: 'object',
  required: ['success', 'error', 'message'],
  properties: { success: { const: false }, error: { type: 'string' }, message: { type: 'string' } },
};

function parameters(doc: RouteDoc, url: string): Json[] {
  const out: Json[] = [];
  // One doc serves a route with its key in the path and the same route without it.
  const inPath = new Set([...url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]));
  for (const [part, where] of [['params', 'path'], ['querystring', 'query']] as const) {
    const schema = doc[part];
    if (!schema) continue;
    const s = jsonSchemaOf(schema);
    const props = (s['properties'] ?? {}) as Record<string, Json>;
    const required = new Set((s['required'] ?? []) as string[]);
    const example = doc.examples.find((e) => e.request?.[part === 'params' ? 'params' : 'query']);
    for (const [name, p] of Object.entries(props)) {
      if (where === 'path' && !inPath.has(name)) continue;
      const value = example?.request?.[part === 'params' ? 'params' : 'query']?.[name];
      out.push({ name, in: where, required: where === 'path' || required.has(name), schema: p, ...(value === undefined ? {} : { example: value }) });
    }
  }
  return out;
}

/** An answer's content type: the example's own, else JSON for an error without a declared shape, else the route's. */
function typeOf(doc: RouteDoc, e: RouteDoc['examples'][number]): string {
  const s = e.response.status;
  return e.response.type ?? (s >= 400 && !doc.otherResponses?.[s] ? 'application/json' : doc.responseType ?? 'application/json');
}

function schemaOf(doc: RouteDoc, status: number, type: string): Json {
  const declared = doc.otherTypes?.[type] ?? doc.otherResponses?.[status] ?? (status < 400 ? doc.response : undefined);
  return declared ? jsonSchemaOf(declared) : status >= 400 ? ERROR_BODY : {};
}

function responses(doc: RouteDoc): Json {
  const byStatus = new Map<number, Map<string, Json>>();
  for (const e of doc.examples) {
    const types = byStatus.get(e.response.status) ?? new Map<string, Json>();
    const r = types.get(typeOf(doc, e)) ?? {};
    r[e.name] = { ...(e.summary ? { summary: e.summary } : {}), value: e.response.body };
    types.set(typeOf(doc, e), r);
    byStatus.set(e.response.status, types);
  }
  const out: Json = {};
  for (const [status, types] of byStatus) {
    const content = Object.fromEntries([...types].map(([type, examples]) => [type, { schema: schemaOf(doc, status, type), examples }]));
    out[String(status)] = { description: status >= 400 ? 'refused or failing' : 'done', content };
  }
  return out;
}

/** The JSON body with its examples, then the body's other media types (no examples: they are encodings of the JSON). */
function requestBody(doc: RouteDoc): Json {
  const examples = Object.fromEntries(doc.examples.filter((e) => e.request?.body !== undefined).map((e) => [e.name, { value: e.request?.body }]));
  const content: Json = { 'application/json': { schema: jsonSchemaOf(doc.body as z.ZodType), examples } };
  for (const [type, schema] of Object.entries(doc.otherBodies ?? {})) content[type] = { schema: jsonSchemaOf(schema) };
  return { required: true, content };
}

const HANDLER_VALIDATES =
  'The request schemas are the envelope this route takes: the handler checks each event itself. A refused event is kept in failed_events with its reason and field, and the others are stored.';

function operation(listener: ListenerRoutes['listener'], route: RouteEntry, doc: RouteDoc): Json {
  const guarded = listener === 'admin' ? route.config['action'] !== undefined : true;
  const scheme = listener === 'admin' ? 'adminToken' : 'writeKey';
  return {
    summary: doc.summary,
    ...(doc.validates === 'handler' ? { description: HANDLER_VALIDATES, 'x-touchline-validates': 'handler' } : {}),
    tags: [listener],
    ...(route.config['action'] === undefined ? {} : { 'x-touchline-action': route.config['action'] }),
    security: doc.security === 'none' || !guarded ? [] : [{ [scheme]: [] }],
    parameters: parameters(doc, route.url),
    ...(doc.body ? { requestBody: requestBody(doc) } : {}),
    responses: responses(doc),
  };
}

/**
 * OpenAPI 3.1 for both listeners, from their route tables: every route that declares a
 * {@link RouteDoc} becomes an operation; the others are left out (the spec test lists them).
 */
export function openApiDocument(listeners: readonly ListenerRoutes[]): Json {
  const paths: Record<string, Json> = {};
  for (const { listener, routes } of listeners) {
    for (const route of routes) {
      const doc = route.config['doc'] as RouteDoc | undefined;
      if (!doc || !describedMethod(route.method)) continue;
      const path = (paths[openApiPath(route.url)] ??= {});
      path[route.method.toLowerCase()] = operation(listener, route, doc);
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Touchline', version: API_VERSION, description: 'The public collector (its own listener) and the admin API (`admin.host`).' },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    components: {
      securitySchemes: {
        adminToken: { type: 'http', scheme: 'bearer', description: 'The admin token, or a member\'s personal token (`touchline people token create`).' },
        writeKey: { type: 'http', scheme: 'basic', description: 'A source\'s write key as the Basic user name, password empty (Segment\'s convention).' },
      },
    },
    paths,
  };
}
