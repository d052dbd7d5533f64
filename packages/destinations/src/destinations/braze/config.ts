import { z } from 'zod';
import { headerSafe } from '../../auth/config-token.js';
import { defaultCountryConfig } from '../../normalize/country-config.js';

const fieldMap = z.record(z.string(), z.string().min(1));

/** Braze `/users/track` (activation-contracts.md §8.1). */
export const brazeConfig = z.object({
  endpoint: z.url().describe('Your instance REST endpoint, e.g. https://rest.iad-01.braze.com or https://rest.fra-01.braze.eu'),
  apiKey: headerSafe().describe('REST API key with the users.track permission').meta({ secret: true }),
  identifier: z.enum(['external_id', 'email', 'phone', 'braze_id']).default('external_id').describe('How rows identify the user. Default external_id'),
  idColumn: z.string().min(1).default('external_id').describe('Row column holding the identifier. Default external_id'),
  attributes: fieldMap.default({}).describe('Row column -> user attribute, e.g. { "plan": "plan_tier" }; null clears'),
  updateExistingOnly: z.boolean().default(false).describe('Only update users that exist (_update_existing_only). Default false'),
  event: z
    .object({
      name: z.string().min(1).describe('Custom event name, e.g. order_completed'),
      timeColumn: z.string().min(1).default('event_time').describe('Row column with the event time. Default event_time'),
      properties: fieldMap.default({}).describe('Row column -> event property'),
    })
    .optional()
    .describe('Also record one custom event per row (Braze documents no dedup key for events: see the README)'),
  defaultCountry: defaultCountryConfig(),
});
export type BrazeConfig = z.infer<typeof brazeConfig>;
