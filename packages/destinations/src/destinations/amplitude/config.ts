import { z } from 'zod';

/** Amplitude HTTP API v2 (reporting-and-spend.md §D1). */
export const amplitudeConfig = z.object({
  endpoint: z.url().default('https://api2.amplitude.com').describe('https://api2.amplitude.com, or https://api.eu.amplitude.com for EU data residency. Default US'),
  apiKey: z.string().min(1).describe('Project API key (sent in the body as api_key)').meta({ secret: true }),
  defaultEventType: z.string().min(1).optional().describe('Event type for rows without an event_type column'),
  properties: z.record(z.string(), z.string().min(1)).default({}).describe('Row column -> event property'),
  userProperties: z.record(z.string(), z.string().min(1)).default({}).describe('Row column -> user property'),
  minIdLength: z.number().int().min(1).max(64).default(5).describe('Shortest user_id / device_id Amplitude accepts (options.min_id_length). Default 5'),
});
export type AmplitudeConfig = z.infer<typeof amplitudeConfig>;
