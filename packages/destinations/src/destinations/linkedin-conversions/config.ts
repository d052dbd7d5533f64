import { z } from 'zod';
import { accessTokenConfig } from '../../auth/config-token.js';

/** LinkedIn Conversions API (activation-contracts.md §4). */
export const linkedinConversionsConfig = z.object({
  endpoint: z.url().default('https://api.linkedin.com').describe('Base URL. Override for a proxy or a stand-in. Default https://api.linkedin.com'),
  accessToken: accessTokenConfig('Member OAuth access token with rw_conversions'),
  apiVersion: z
    .string()
    .regex(/^20\d{2}(0[1-9]|1[0-2])$/, 'a LinkedIn-Version such as 202603 (YYYYMM)')
    .default('202603')
    .describe('LinkedIn-Version header, pinned; versions are supported about 12 months (then HTTP 426). Default 202603'),
  conversionRuleId: z.string().regex(/^\d+$/, 'the numeric conversion rule id').describe('Conversion rule created with conversionMethod CONVERSIONS_API'),
  adAccountId: z.string().regex(/^\d+$/, 'the numeric ad account id').optional().describe('The sponsored ad account; names the rate-limit bucket'),
});
export type LinkedinConversionsConfig = z.infer<typeof linkedinConversionsConfig>;
