import { z } from 'zod';
import { defaultCountryConfig } from '../../normalize/country-config.js';
import { accessTokenConfig } from '../../auth/config-token.js';

/** Meta's `action_source` values (activation-contracts.md §2.3). */
export const META_ACTION_SOURCES = [
  'email',
  'website',
  'app',
  'phone_call',
  'chat',
  'physical_store',
  'system_generated',
  'business_messaging',
  'other',
] as const;

/** Meta Conversions API (activation-contracts.md §2). */
export const metaCapiConfig = z.object({
  endpoint: z
    .url()
    .default('https://graph.facebook.com')
    .describe('Base URL. Override for a proxy or a stand-in. Default https://graph.facebook.com'),
  apiVersion: z
    .string()
    .regex(/^v\d+\.\d+$/, 'a Graph API version such as v25.0')
    .default('v25.0')
    .describe('Graph API version, pinned. Default v25.0'),
  pixelId: z.string().regex(/^\d+$/, 'the numeric pixel (dataset) id').describe('Pixel / dataset id'),
  accessToken: accessTokenConfig('System-user access token for the Conversions API'),
  actionSource: z
    .enum(META_ACTION_SOURCES)
    .default('website')
    .describe('Where conversions happen, for rows without an action_source column. Default website'),
  defaultEventName: z
    .string()
    .min(1)
    .default('Purchase')
    .describe('Event name for rows without an event_name column. Default Purchase'),
  testEventCode: z
    .string()
    .min(1)
    .optional()
    .describe('Test mode: route events to Test Events in Events Manager (remove in production)'),
  defaultCountry: defaultCountryConfig(),
});

export type MetaCapiConfig = z.infer<typeof metaCapiConfig>;
