import { z } from 'zod';
import { accessTokenConfig } from '../../auth/config-token.js';
import { defaultCountryConfig } from '../../normalize/country-config.js';

/** Meta custom audiences: users added and removed (`/{audience_id}/users`). */
export const metaCustomAudienceConfig = z.object({
  endpoint: z.url().default('https://graph.facebook.com').describe('Base URL. Override for a proxy or a stand-in. Default https://graph.facebook.com'),
  apiVersion: z.string().regex(/^v\d+\.\d+$/, 'a Graph API version such as v25.0').default('v25.0').describe('Graph API version, pinned. Default v25.0'),
  accessToken: accessTokenConfig('System-user access token with ads_management on the ad account'),
  audienceId: z.string().regex(/^\d+$/, 'the numeric custom audience id').describe('A customer-list custom audience'),
  defaultCountry: defaultCountryConfig(),
});
export type MetaCustomAudienceConfig = z.infer<typeof metaCustomAudienceConfig>;
