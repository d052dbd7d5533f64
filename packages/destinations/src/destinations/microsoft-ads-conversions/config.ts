import { z } from 'zod';
import { accessTokenConfig, headerSafe } from '../../auth/config-token.js';
import { defaultCountryConfig } from '../../normalize/country-config.js';

/** Microsoft Advertising offline conversions (activation-contracts.md §5.1). */
export const microsoftAdsConversionsConfig = z.object({
  endpoint: z
    .url()
    .default('https://campaign.api.bingads.microsoft.com')
    .describe('Campaign Management host. Sandbox: https://campaign.api.sandbox.bingads.microsoft.com. Default production'),
  accessToken: accessTokenConfig('Microsoft identity platform access token with https://ads.microsoft.com/msads.manage'),
  developerToken: headerSafe().describe('Microsoft Advertising developer token (DeveloperToken header)').meta({ secret: true }),
  customerId: z.string().regex(/^\d+$/, 'the numeric manager customer id').describe('CustomerId header'),
  customerAccountId: z.string().regex(/^\d+$/, 'the numeric ad account id').describe('CustomerAccountId header'),
  conversionName: z.string().min(1).describe('Name of the offline conversion goal (rows may override it with a conversion_name column)'),
  defaultCurrency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD').optional().describe('Currency for rows without one'),
  defaultCountry: defaultCountryConfig(),
});
export type MicrosoftAdsConversionsConfig = z.infer<typeof microsoftAdsConversionsConfig>;
