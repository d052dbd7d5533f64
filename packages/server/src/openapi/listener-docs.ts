import { z } from 'zod';
import type { RouteDoc } from '../http/route-doc.js';

/** `/healthz` on both listeners. */
export const HEALTHZ_DOC: RouteDoc = {
  summary: 'Liveness: the process answers',
  security: 'none',
  response: z.object({ ok: z.literal(true) }),
  examples: [{ name: 'alive', response: { status: 200, body: { ok: true } } }],
};

/** `/readyz` on the admin listener: each check by name, never what failed inside it. */
const Readiness = z.object({ ok: z.boolean(), checks: z.record(z.string(), z.enum(['ok', 'failing'])) });
export const READYZ_DOC: RouteDoc = {
  summary: 'Readiness: spool writable, warehouse reachable',
  security: 'none',
  response: Readiness,
  otherResponses: { 503: Readiness },
  examples: [
    { name: 'ready', response: { status: 200, body: { ok: true, checks: { spool: 'ok', warehouse: 'ok' } } } },
    { name: 'warehouse down', response: { status: 503, body: { ok: false, checks: { spool: 'ok', warehouse: 'failing' } } } },
  ],
};

/** `/openapi.json` itself. */
export const OPENAPI_DOC: RouteDoc = {
  summary: 'This OpenAPI 3.1 document: the public collector and the admin API',
  security: 'none',
  response: z.looseObject({ openapi: z.literal('3.1.0'), paths: z.record(z.string(), z.unknown()) }),
  examples: [{ name: 'the spec', response: { status: 200, body: { openapi: '3.1.0', info: { title: 'Touchline', version: '1.0.0' }, paths: {} } } }],
};
