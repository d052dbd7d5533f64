import { z } from 'zod';
import { accessTokenConfig } from '../../auth/config-token.js';
import { defaultCountryConfig } from '../../normalize/country-config.js';

/** TikTok Events API 2.0 (activation-contracts.md §3). */
export const tiktokEventsConfig = z.object({
  endpoint: z.url().default('https://business-api.tiktok.com').describe('Base URL. Override for a proxy or a stand-in. Default https://business-api.tiktok.com'),
  accessToken: accessTokenConfig('Long-lived Events API access token (sent as the Access-Token header; TikTok has no refresh flow)'),
  eventSourceId: z.string().min(1).describe('Pixel code (web), App ID (app), or offline / CRM event set id'),
  eventSource: z.enum(['web', 'app', 'offline', 'crm']).default('web').describe('event_source. Default web'),
  defaultEvent: z.string().min(1).default('CompletePayment').describe('Event for rows without an event column. Default CompletePayment'),
  testEventCode: z.string().min(1).optional().describe('Test mode: events go to Test Events (remove in production)'),
  defaultCountry: defaultCountryConfig(),
  maxEventAgeDays: z
    .number()
    .int()
    .min(1)
    .max(28)
    .default(7)
    .describe('Rows older than this are rejected before sending (TikTok\'s window is not documented in the research notes; 7 days as Meta). Default 7'),
});
export type TiktokEventsConfig = z.infer<typeof tiktokEventsConfig>;
