import { SUMMARIES } from '@touchline/attribution';
import { z } from 'zod';
import type { AttributeRequest } from './run-attribution.js';

const modelSpec = z.union([
  z.string(),
  z.object({ model: z.string(), order: z.number().int().optional(), name: z.string().optional() }).strict(),
]);

/** `POST /admin/attribute` body: an {@link AttributeRequest} as JSON. The engine checks the values. */
const AttributeRequestSchema = z
  .object({
    models: z.array(modelSpec).min(1),
    level: z.string().optional(),
    lookbackDays: z.number().positive().optional(),
    conversions: z.array(z.string().min(1)).optional(),
    resetAfterConversion: z.boolean().optional(),
    since: z.string().optional(),
    until: z.string().optional(),
    summaries: z.array(z.enum(SUMMARIES)).optional(),
    params: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

/** Checks a request that came over HTTP; the message names the field at fault. */
export function parseAttributeRequest(body: unknown): { ok: true; request: AttributeRequest } | { ok: false; message: string } {
  const r = AttributeRequestSchema.safeParse(body);
  if (!r.success) return { ok: false, message: r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ') };
  return { ok: true, request: r.data as unknown as AttributeRequest };
}
