import {
  CLICK_ID_PRECEDENCES,
  DEFAULT_DIRECT_LABELS,
  DirectPolicy,
  EmptyPathPolicy,
  validateChannelRules,
} from '@touchline/attribution';
import { z } from 'zod';
import { UtmRulesSchema } from '../taxonomy/utm-rules.js';
import { GA4_ONLY } from './channel-rules.js';
import { ConversionDefinitionSchema, DEFAULT_CONVERSIONS } from './conversions.js';

/**
 * `attribution` section of the configuration: identity, sessions, channel rules and
 * conversions. Everything here is read when data is *read*: change it and history is re-labelled
 * (sessions, on DuckDB, are rebuilt once at the next start).
 */
export const AttributionConfigSchema = z
  .object({
    /** Conversion definitions. @defaultValue one: `Order Completed` with its `value` / `revenue` / `total` */
    conversions: z.array(ConversionDefinitionSchema).min(1).default([...DEFAULT_CONVERSIONS]),
    /**
     * Channel rules, in the format of `@touchline/attribution` (ordered; `{"include": "ga4"}`
     * inlines Google's 18 default rules where it stands, so custom rules go before or after).
     * @defaultValue `{ "rules": [{ "include": "ga4" }] }`
     */
    channels: z.unknown().default(GA4_ONLY).superRefine((v, ctx) => {
      const r = validateChannelRules(v);
      if (!r.ok) for (const p of r.problems) ctx.addIssue({ code: 'custom', message: `${p.path}: ${p.message}` });
    }),
    /**
     * A landing with UTMs *and* a click id that implies a source (gclid → google / cpc…):
     * `google-click-id` lets Google's auto-tagged ids (gclid, gbraid, wbraid, dclid) win and the
     * UTMs win over any other id, as GA4 reports with auto-tagging on; `utm` lets the UTMs win
     * always; `click-id` lets any implying id win. Applied on read: changing it relabels history.
     * @defaultValue `google-click-id`
     */
    clickIdPrecedence: z.enum(CLICK_ID_PRECEDENCES).default('google-click-id'),
    /**
     * Direct touches on a path with other touches: `ignore` gives them no credit in any model
     * (GA4); `credit` makes Direct a channel like the others. A path of only direct touches
     * credits Direct either way. `touchline attribute --direct` overrides it.
     * @defaultValue `ignore`
     */
    direct: z.enum([DirectPolicy.Ignore, DirectPolicy.Credit]).default(DirectPolicy.Ignore),
    /**
     * Level values that are direct touches, compared ignoring case; each level's own direct
     * value (`Direct`, `(direct) / (none)`, `(none)` for medium…) always counts as well.
     * `touchline attribute --direct-labels` overrides it.
     * @defaultValue `["direct", "(direct)", "(direct) / (none)"]`
     */
    directLabels: z.array(z.string().min(1)).min(1).default([...DEFAULT_DIRECT_LABELS]),
    markov: z
      .object({
        /**
         * Conversions with no touch in their window: `direct` credits them to the level's direct
         * value (as every other model does); `redistribute` is ChannelAttribution's
         * (start)→(conversion) edge, spread over the channels by their removal effects.
         * `touchline attribute --markov-empty-paths` overrides it. @defaultValue `direct`
         */
        emptyPaths: z.enum([EmptyPathPolicy.Direct, EmptyPathPolicy.Redistribute]).default(EmptyPathPolicy.Direct),
      })
      .strict()
      .prefault({}),
    sessions: z
      .object({
        /** Inactivity that ends a session. @defaultValue `tracker.sessionTimeoutMinutes` (30) */
        timeoutMinutes: z.coerce.number().positive().max(7 * 24 * 60).optional(),
      })
      .strict()
      .prefault({}),
    /** Touches older than this before a conversion are not on its path. @defaultValue 90 */
    lookbackDays: z.coerce.number().positive().default(90),
    /** Start a fresh path after each conversion (a repeat purchase is credited to the touches since the previous one). @defaultValue true */
    resetAfterConversion: z.boolean().default(true),
    /** Campaign taxonomy: UTM values normalised and aliased on read, feeding the channel grouping (docs/tracking-plans.md). */
    utm: UtmRulesSchema.optional(),
    /**
     * The currency cost, CPA and ROAS are reported in (`touchline attribute --with-spend`): spend in
     * other currencies is converted at the daily rates of `touchline spend rates`. Conversion values
     * are taken to be in it. @defaultValue the one currency all spend is in (required when there are several)
     */
    reportingCurrency: z.string().regex(/^[A-Za-z]{3}$/, 'must be a three-letter ISO 4217 code').optional(),
    identity: z
      .object({
        /** Ids that never identify anyone, added to the built-in list (`undefined`, `null`, `0`, `anonymous`, …). @defaultValue [] */
        junkIds: z.array(z.string()).default([]),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

export type AttributionConfig = z.infer<typeof AttributionConfigSchema>;
