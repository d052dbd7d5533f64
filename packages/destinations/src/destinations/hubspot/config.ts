import { z } from 'zod';
import { accessTokenConfig } from '../../auth/config-token.js';

const propertyName = z.string().regex(/^[a-z0-9_]+$/, 'a HubSpot internal property name such as ltv_score');

/** HubSpot contacts batch upsert (activation-contracts.md §6). */
export const hubspotConfig = z.object({
  endpoint: z
    .url()
    .default('https://api.hubapi.com')
    .describe('Base URL. Override for a proxy or a stand-in. Default https://api.hubapi.com'),
  accessToken: accessTokenConfig('Private app token or OAuth access token with crm.objects.contacts.write'),
  portalId: z
    .string()
    .regex(/^\d+$/, 'the numeric HubSpot account (portal) id')
    .optional()
    .describe('The HubSpot account id; names the rate-limit bucket (HubSpot counts per account). Default: the token'),
  apiVersion: z
    .enum(['v3', '2026-03', '2026-09'])
    .default('v3')
    .describe('v3 (/crm/v3/objects/contacts, supported until Sept 2027) or a date version (/crm/objects/2026-03/contacts). Default v3'),
  idProperty: propertyName
    .default('email')
    .describe('email, or a custom property with unique values, identifying the contact. Default email'),
  idColumn: z.string().min(1).default('email').describe('Row column holding the id value. Default email'),
  properties: z
    .record(z.string(), propertyName)
    .default({})
    .describe('Row column -> HubSpot contact property, e.g. { "ltv": "ltv_score", "plan": "plan_tier" }'),
  createProperties: z
    .record(
      propertyName,
      z
        .object({
          label: z.string().trim().min(1).max(100),
          type: z.enum(['string', 'number', 'date', 'datetime', 'bool']),
          groupName: propertyName.default('contactinformation'),
        })
        .strict(),
    )
    .default({})
    .describe('Custom contact properties created on first use (POST /crm/v3/properties/contacts; needs crm.schemas.contacts.write): name -> { label, type }'),
});

export type HubspotConfig = z.infer<typeof hubspotConfig>;
