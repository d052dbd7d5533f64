import { z } from 'zod';
import { AttributeRequestSchema } from '../attribute/attribute-request.js';
import type { RouteDoc } from '../http/route-doc.js';
import type { AdminRoute } from './admin-route.js';

const Credit = z.object({ conversions: z.number(), value: z.number() });
const ATTRIBUTE_DOC: RouteDoc = {
  summary: 'Multi-touch attribution of the conversions of a range, by one or more models (the CLI\'s `touchline attribute`)',
  body: AttributeRequestSchema,
  response: z.looseObject({
    models: z.array(z.looseObject({ model: z.string(), credits: z.record(z.string(), Credit) })),
    totals: z.object({ paths: z.number(), conversions: z.number(), value: z.number(), nulls: z.number(), empty_path_conversions: z.number() }),
    level: z.string(), engine: z.enum(['duckdb', 'clickhouse']), sessions: z.enum(['stored', 'on-read']), notes: z.array(z.string()),
    timings: z.object({ sqlAndStreamMs: z.number(), totalMs: z.number() }),
  }),
  examples: [
    {
      name: 'first and last touch',
      request: { body: { models: ['first_touch', 'last_touch'], level: 'channel', conversions: ['Order Completed'], since: '2026-11-01' } },
      response: {
        status: 200,
        body: {
          models: [
            { model: 'first_touch', credits: { 'Paid Search': { conversions: 41, value: 6150 }, 'Organic Social': { conversions: 19, value: 2280 } } },
            { model: 'last_touch', credits: { 'Paid Search': { conversions: 33, value: 4950 }, Email: { conversions: 27, value: 3480 } } },
          ],
          totals: { paths: 60, conversions: 60, value: 8430, nulls: 0, empty_path_conversions: 0 },
          level: 'channel', engine: 'duckdb', sessions: 'stored', notes: [], timings: { sqlAndStreamMs: 41, totalMs: 47 },
        },
      },
    },
  ],
};

/** `POST /admin/attribute`: `touchline attribute` while the server holds the warehouse (the callee checks the values). */
export function attributionRoutes(attribute: (body: unknown) => Promise<unknown>): AdminRoute[] {
  return [{ method: 'POST', url: '/admin/attribute', action: 'attribution.run', doc: ATTRIBUTE_DOC, handler: async (request) => attribute(request.body) }];
}
