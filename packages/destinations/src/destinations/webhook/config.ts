import { z } from 'zod';

const secret = z.string().regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, 'a Standard Webhooks secret: whsec_ followed by base64');

/** Signed webhooks (Standard Webhooks, activation-contracts.md §9.2). */
export const webhookConfig = z.object({
  endpoint: z.url().describe('The receiver URL (https in production)'),
  secret: secret.describe('Signing secret, whsec_<base64>, shared with the receiver').meta({ secret: true }),
  previousSecrets: z.array(secret).default([]).describe('Secrets still signed with during a rotation (webhook-signature carries one signature each)').meta({ secret: true }),
  eventType: z.string().min(1).default('touchline.rows').describe('The message type field. Default touchline.rows'),
  idColumn: z.string().min(1).default('id').describe('Row column that identifies the row; the receiver dedups on it. Default id'),
});
export type WebhookConfig = z.infer<typeof webhookConfig>;
