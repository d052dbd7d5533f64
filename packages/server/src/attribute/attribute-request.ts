import { DirectPolicy, EmptyPathPolicy, MissingFacts, MODEL_NAMES, SUMMARIES } from '@touchline/attribution';
import { z } from 'zod';
import type { AttributeRequest } from './run-attribution.js';

// Optional keys are exact (absent, never `undefined`), as the engine's types declare them: the
// parsed body is an AttributeRequest without a cast.
const unknownModel = `a model name (${MODEL_NAMES.join(', ')}) or {"model": name, "order"?, "name"?}`;
const modelName = z.enum(MODEL_NAMES, { error: () => `unknown model: use one of ${MODEL_NAMES.join(', ')}` });
const modelSpec = z.union(
  [modelName, z.object({ model: modelName, order: z.number().int().exactOptional(), name: z.string().exactOptional() }).strict()],
  { error: () => `must be ${unknownModel}` },
);

/** The engine's parameters (`AttributionParams`) a request may set; the engine checks their values. */
const ParamsSchema = z
  .object({
    halfLifeDays: z.number().exactOptional(),
    positionWeights: z.object({ first: z.number(), last: z.number() }).strict().exactOptional(),
    wShapedWeights: z.tuple([z.number(), z.number(), z.number()]).exactOptional(),
    fullPathWeights: z.tuple([z.number(), z.number(), z.number(), z.number()]).exactOptional(),
    directLabels: z.array(z.string()).exactOptional(),
    direct: z.enum([DirectPolicy.Ignore, DirectPolicy.Credit]).exactOptional(),
    missingFacts: z.enum([MissingFacts.Error, MissingFacts.Fallback]).exactOptional(),
    markov: z
      .object({
        order: z.number().int().exactOptional(),
        truncation: z.union([z.enum(['none', 'channelattribution']), z.number()]).exactOptional(),
        emptyPaths: z.enum([EmptyPathPolicy.Direct, EmptyPathPolicy.Redistribute]).exactOptional(),
        transitions: z.boolean().exactOptional(),
      })
      .strict()
      .exactOptional(),
    shapley: z.object({ characteristic: z.enum(['subset', 'exact']).exactOptional() }).strict().exactOptional(),
    topPaths: z.number().int().exactOptional(),
    topPathsCapacity: z.number().int().exactOptional(),
  })
  .strict();

/** `POST /admin/attribute` body: an {@link AttributeRequest} as JSON. The engine checks the values. */
export const AttributeRequestSchema = z
  .object({
    models: z.array(modelSpec).min(1),
    level: z.string().exactOptional(),
    lookbackDays: z.number().positive().exactOptional(),
    conversions: z.array(z.string().min(1)).exactOptional(),
    resetAfterConversion: z.boolean().exactOptional(),
    since: z.string().exactOptional(),
    until: z.string().exactOptional(),
    summaries: z.array(z.enum(SUMMARIES)).exactOptional(),
    params: ParamsSchema.exactOptional(),
    withSpend: z.boolean().exactOptional(),
  })
  .strict();

/** Checks a request that came over HTTP; the message names the field at fault. */
export function parseAttributeRequest(body: unknown): { ok: true; request: AttributeRequest } | { ok: false; message: string } {
  const r = AttributeRequestSchema.safeParse(body);
  if (!r.success) return { ok: false, message: r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ') };
  const request: AttributeRequest = r.data;
  return { ok: true, request };
}
