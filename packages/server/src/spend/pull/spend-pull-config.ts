import { z } from 'zod';
import { ScheduleSchema } from '../../activation/config/schedule-config.js';
import { KNOWN_NETWORKS } from '../spend-row.js';

const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/i;

/** Credential keys of a spend connection: references (`env:NAME`, `file:/path`), never logged. */
export const SPEND_SECRET_KEYS: readonly string[] = ['developerToken', 'accessToken'];

/**
 * One ad network login and the accounts it reads (docs/spend.md, "Pulling from the networks").
 *
 * @example { "network": "google_ads", "accounts": ["123-456-7890"], "connection": "google_ads_main",
 *   "credentials": { "developerToken": "env:GOOGLE_ADS_DEVELOPER_TOKEN", "loginCustomerId": "999-888-7777" } }
 */
export const SpendPullConnectionSchema = z
  .object({
    network: z.enum(KNOWN_NETWORKS),
    /** The ad accounts: Google customer ids (dashes allowed), Meta `act_…` ids, … */
    accounts: z.array(z.string().min(1).max(64)).min(1),
    /**
     * A destination (under `destinations`) whose OAuth grant provides the token: connect it with
     * `touchline destinations connect <name>`, which then asks for the reporting scopes too.
     * @defaultValue none: the token is `credentials.accessToken` (a Meta system-user token)
     */
    connection: z.string().regex(NAME).optional(),
    /**
     * What the network needs besides the token: Google `developerToken`, `loginCustomerId` (the
     * manager the accounts are reached through), `apiVersion`; Meta `accessToken`, `apiVersion`.
     * Credentials by reference: `env:NAME` or `file:/path`.
     */
    credentials: z.record(z.string(), z.string().min(1)).default({}),
    /** The API's host, for a sandbox or a stand-in. @defaultValue the network's production host */
    baseUrl: z.url().optional(),
  })
  .strict();
export type SpendPullConnection = z.infer<typeof SpendPullConnectionSchema>;

/** `spend.pull`: which networks to pull, which days, and when (`touchline spend pull`). */
export const SpendConfigSchema = z
  .object({
    pull: z
      .object({
        /** Days re-pulled on each run, today included: networks restate recent days. @defaultValue 7 */
        lookbackDays: z.number().int().min(1).max(90).default(7),
        /**
         * When `touchline start` pulls by itself: `manual`, `{ every: "6h" }` or
         * `{ cron: "0 5 * * *", timezone: "Europe/Berlin" }`. @defaultValue manual
         */
        schedule: ScheduleSchema.refine((s) => s === 'manual' || !('after' in s), { message: 'manual, { every } or { cron, timezone }: a spend pull runs after no sync' }),
        connections: z.record(z.string().regex(NAME), SpendPullConnectionSchema).default({}),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});
export type SpendConfig = z.infer<typeof SpendConfigSchema>;

/** Each connection names a configured destination, or carries its own token. */
export function checkSpendReferences(c: { spend: SpendConfig; destinations: Readonly<Record<string, { oauth?: unknown }>> }, ctx: z.RefinementCtx): void {
  for (const [name, s] of Object.entries(c.spend.pull.connections)) {
    const path = ['spend', 'pull', 'connections', name];
    if (s.connection !== undefined && !c.destinations[s.connection]) {
      ctx.addIssue({ code: 'custom', path: [...path, 'connection'], message: `no destination "${s.connection}" under destinations (configured: ${Object.keys(c.destinations).join(', ') || 'none'})` });
    }
    if (s.connection === undefined && s.credentials['accessToken'] === undefined) {
      ctx.addIssue({ code: 'custom', path, message: 'set connection (a destination connected through OAuth) or credentials.accessToken (env:NAME or file:/path)' });
    }
  }
}
