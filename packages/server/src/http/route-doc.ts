import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { ClientError } from './client-error.js';

/** One worked call of an operation: what is sent and what comes back. The spec carries it, the spec test validates it. */
export interface RouteExample {
  readonly name: string;
  readonly summary?: string;
  readonly request?: { readonly body?: unknown; readonly query?: Record<string, string>; readonly params?: Record<string, string> };
  /** `type`: this answer's content type, where the route answers in more than one. @defaultValue the route's */
  readonly response: { readonly status: number; readonly body: unknown; readonly type?: string };
}

/**
 * What a route declares about itself, where it is defined: the schemas its requests are validated
 * with (a refused request is a 400 naming the field, before the handler runs) and examples. The
 * OpenAPI document (src/openapi/openapi-document.ts) is generated from these, so it cannot drift from what the
 * server accepts.
 */
export interface RouteDoc {
  readonly summary: string;
  readonly body?: z.ZodType;
  /**
   * The body's other media types, each with the schema of the body as it is sent (posthog-js's
   * base64 form field, a beacon's `text/plain`). `body` is the JSON one.
   * @defaultValue `application/json` only
   */
  readonly otherBodies?: Readonly<Record<string, z.ZodType>>;
  readonly querystring?: z.ZodType;
  readonly params?: z.ZodType;
  /** The success answer's shape. @defaultValue undescribed */
  readonly response?: z.ZodType;
  /** Other statuses' shapes where they are not the error body (`/readyz`'s 503). @defaultValue the error body */
  readonly otherResponses?: Readonly<Record<number, z.ZodType>>;
  /** @defaultValue `application/json` */
  readonly responseType?: string;
  /** Shapes of answers in another content type than `responseType` (the live page's event stream), by type. @defaultValue none */
  readonly otherTypes?: Readonly<Record<string, z.ZodType>>;
  /**
   * Overrides the listener's scheme: `none` for liveness, the spec itself, and protocols that take
   * their key in the body or path (the summary says where). @defaultValue the listener's
   */
  readonly security?: 'none';
  /**
   * Who enforces the request schemas. `before`: {@link checkDeclared}, before the handler (a 400
   * naming the field). `handler`: the spec shows them, the handler checks the request itself.
   * Ingest routes take `handler`: their body schema is the envelope (a batch is an array of
   * objects) with each event's rules in its descriptions, and the handler judges each event on
   * its own — a refused event is quarantined in failed_events with its reason and field while
   * the others are kept, and an envelope it cannot read is quarantined and answered 400 after
   * the write key is checked. A check before the handler would refuse the whole batch for one
   * bad event, answer an unauthenticated sender, and keep nothing of what it refused.
   * @defaultValue `before`
   */
  readonly validates?: 'before' | 'handler';
  readonly examples: readonly [RouteExample, ...RouteExample[]];
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's schemas and examples (src/http/route-doc.ts). */
    doc?: RouteDoc;
  }
}

const PARTS = ['params', 'querystring', 'body'] as const;
const valueOf = (request: FastifyRequest, part: (typeof PARTS)[number]): unknown =>
  part === 'params' ? request.params : part === 'querystring' ? request.query : request.body;

/** Throws a 400 naming the first field of the request that its route's declared schemas refuse. */
export function checkDeclared(request: FastifyRequest, doc: RouteDoc): void {
  for (const part of PARTS) {
    const schema = doc[part];
    if (!schema) continue;
    const r = schema.safeParse(valueOf(request, part) ?? (part === 'body' ? undefined : {}));
    if (r.success) continue;
    const issue = r.error.issues[0];
    const inner = (issue?.path ?? []).map(String).join('.');
    const field = inner === '' ? part : `${part}.${inner}`;
    // Led by the field as the caller wrote it (`role: …`), then where it was (`body.role`).
    const message = inner === '' ? `${field}: ${issue?.message ?? 'invalid'}` : `${inner}: ${issue?.message ?? 'invalid'} (${field})`;
    throw new ClientError(400, 'bad_request', message, { field });
  }
}

/**
 * Validates each declared part of a request before its handler. Only checks: the handler still
 * reads the request as sent, so a valid request is handled exactly as before a schema was declared.
 * Routes with an admin action are left to the admin guard, which checks them after it authorizes
 * (a caller who may not act gets the 403, not a lesson in the schema); routes that declare
 * `validates: 'handler'` (the collector's ingest routes) check their requests themselves.
 */
export function validateDeclared(app: FastifyInstance): void {
  app.addHook('preHandler', async (request) => {
    const { doc, action } = request.routeOptions.config;
    if (doc && action === undefined && doc.validates !== 'handler') checkDeclared(request, doc);
  });
}
