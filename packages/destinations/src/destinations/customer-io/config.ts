import { z } from 'zod';

/** Customer.io Track API v2 batch (activation-contracts.md §8.2). */
export const customerIoConfig = z.object({
  endpoint: z.url().default('https://track.customer.io').describe('Track API host: https://track.customer.io (US) or https://track-eu.customer.io (EU). Default US'),
  siteId: z.string().min(1).describe('Track API site id (HTTP Basic user name)'),
  apiKey: z.string().min(1).describe('Track API key (HTTP Basic password)').meta({ secret: true }),
  action: z.enum(['identify', 'event']).default('identify').describe('identify: update the person; event: record one event per row. Default identify'),
  identifier: z.enum(['id', 'email']).default('id').describe('How rows identify the person. Default id'),
  idColumn: z.string().min(1).default('external_id').describe('Row column holding the identifier. Default external_id'),
  attributes: z.record(z.string(), z.string().min(1)).default({}).describe('Row column -> person attribute (identify) or event attribute (event)'),
  eventName: z.string().min(1).optional().describe('Event name for rows without an event column (action event)'),
});
export type CustomerIoConfig = z.infer<typeof customerIoConfig>;
