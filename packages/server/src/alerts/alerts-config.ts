import { z } from 'zod';

/** What an alert is about. */
export const ALERT_KINDS = ['run_failed', 'refusals', 'dead_token', 'overdue'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/i;

/**
 * A secret by reference: `env:NAME` or `file:/absolute/path` (resolved when an alert is sent, so
 * the config file holds no secret). A webhook URL is a secret: whoever has it can post.
 */
export const SecretRefSchema = z
  .string()
  .regex(/^(env:[A-Za-z_][A-Za-z0-9_]*|file:\/.+)$/, { message: 'a secret reference: env:NAME or file:/absolute/path (the value itself stays out of the config file)' });

/**
 * Alerts (docs/activation.md, "Alerts"): where they go and when.
 *
 * @example
 * { "webhooks": { "ops": { "url": "env:SLACK_WEBHOOK_URL" } },
 *   "email": { "smtp": { "host": "smtp.example.com", "user": "alerts", "password": "env:SMTP_PASSWORD" }, "from": "touchline@example.com" },
 *   "routes": [{ "webhook": "ops" }, { "syncs": ["opportunities-to-google"], "on": ["dead_token"], "email": ["ads-team@example.com"] }] }
 */
export const AlertsSchema = z
  .object({
    /** Slack-compatible incoming webhooks (`{"text", "blocks"}`), by name. */
    webhooks: z.record(z.string().regex(NAME), z.object({ url: SecretRefSchema }).strict()).default({}),
    /** The SMTP server alerts are mailed through. */
    email: z
      .object({
        smtp: z
          .object({
            host: z.string().min(1),
            /** @defaultValue 587 */
            port: z.number().int().min(1).max(65535).default(587),
            /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. @defaultValue false */
            secure: z.boolean().default(false),
            user: z.string().min(1).optional(),
            password: SecretRefSchema.optional(),
          })
          .strict(),
        from: z.string().email(),
      })
      .strict()
      .optional(),
    /**
     * Which alerts go where. A route without `syncs` covers every sync, without `on` every kind;
     * an alert goes to every channel of every route that matches it (once per channel).
     */
    routes: z
      .array(
        z
          .object({
            syncs: z.array(z.string().min(1)).min(1).optional(),
            on: z.array(z.enum(ALERT_KINDS)).min(1).optional(),
            /** A key of `alerts.webhooks`. */
            webhook: z.string().min(1).optional(),
            /** Addresses to mail (through `alerts.email`). */
            email: z.array(z.string().email()).min(1).optional(),
          })
          .strict()
          .refine((r) => r.webhook !== undefined || r.email !== undefined, { message: 'a route needs a webhook or email' }),
      )
      .default([]),
    /** The same alert (sync and kind) is sent at most once in this window; a succeeded run ends it. @defaultValue 60 */
    dedupeMinutes: z.number().positive().default(60),
    /** A timed sync is overdue once its due time is this far past without a run starting. @defaultValue 15 */
    overdueGraceMinutes: z.number().positive().default(15),
  })
  .strict()
  .prefault({});
export type AlertsConfig = z.infer<typeof AlertsSchema>;

/** Cross-checks: routes name configured webhooks, syncs and an email server. */
export function checkAlertRoutes(alerts: AlertsConfig, syncNames: readonly string[], ctx: z.RefinementCtx): void {
  alerts.routes.forEach((r, i) => {
    const path = ['alerts', 'routes', i];
    if (r.webhook !== undefined && !alerts.webhooks[r.webhook]) {
      ctx.addIssue({ code: 'custom', path: [...path, 'webhook'], message: `no webhook "${r.webhook}" under alerts.webhooks` });
    }
    if (r.email !== undefined && !alerts.email) ctx.addIssue({ code: 'custom', path: [...path, 'email'], message: 'mailing alerts needs alerts.email (the SMTP server)' });
    for (const s of r.syncs ?? []) {
      if (!syncNames.includes(s)) ctx.addIssue({ code: 'custom', path: [...path, 'syncs'], message: `no sync "${s}" (configured: ${syncNames.join(', ') || 'none'})` });
    }
  });
}
