import { DESTINATION_NAMES, isDestinationName, parseConfig, SYNC_MODES } from '@touchline/destinations';
import { destinationOf } from '../registry/any-destination.js';
import { z } from 'zod';
import { checkScheduleChains, ScheduleSchema } from './schedule-config.js';

/** A destination's, sync's or forwarding rule's name (the admin routes' path parameters too). */
export const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/i;
export const nameMessage = 'a name of letters, digits, - and _ (at most 63), starting with a letter or digit';

/** A request rate: at most `requests` in any `windowMs` window. */
export const RateLimitSchema = z
  .object({
    requests: z.number().int().positive(),
    windowMs: z.number().int().positive(),
  })
  .strict();

/**
 * The OAuth app a destination is connected through (`touchline destinations connect <name>`):
 * the grant itself is stored in the control store, never here. Secrets by reference
 * (`env:NAME`, `file:/path`).
 */
export const OAuthAppSchema = z
  .object({
    clientId: z.string().min(1),
    /** Absent for a public client using PKCE only (Microsoft allows it). */
    clientSecret: z.string().min(1).optional(),
    /** Where the vendor sends the browser back. @defaultValue `http://127.0.0.1:<admin.port>/admin/oauth/callback` */
    redirectUri: z.url().optional(),
    /** Token and authorization endpoints, for sandboxes and stand-ins. @defaultValue the vendor's production ones */
    tokenUrl: z.url().optional(),
    authorizeUrl: z.url().optional(),
    /** Salesforce: `https://test.salesforce.com` for sandboxes, or a My Domain URL. */
    loginUrl: z.url().optional(),
    /** Microsoft: `common`, `organizations` or a tenant id. @defaultValue common */
    tenant: z.string().regex(/^[A-Za-z0-9.-]{1,100}$/, 'a tenant id or common / organizations').optional(),
    /** @defaultValue what the destination needs (`capabilities.auth.scopes`) */
    scopes: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();
export type OAuthApp = z.infer<typeof OAuthAppSchema>;

/**
 * One destination account: the registry type, its config (validated by the destination's own
 * schema), and optionally the rate your account is allowed when it differs from the documented
 * default (HubSpot Professional: 150 per 10 s).
 *
 * @example { "type": "hubspot", "config": { "accessToken": "pat-…", "properties": { "feature_x_uses": "feature_x_uses" } } }
 */
export const DestinationAccountSchema = z
  .object({
    type: z.string().refine(isDestinationName, { message: `one of ${DESTINATION_NAMES.join(', ')}` }),
    config: z.record(z.string(), z.unknown()).default({}),
    /** @defaultValue the destination's documented rate (`capabilities.rateLimit`) */
    rateLimit: RateLimitSchema.optional(),
    /** The OAuth app to connect through, for destinations whose vendor uses OAuth (docs/activation.md, "Connecting"). */
    oauth: OAuthAppSchema.optional(),
    /** `test`: a sandbox account; `production`: real customers, where events of `testSources` never go. @defaultValue production */
    environment: z.enum(['test', 'production']).default('production'),
  })
  .strict()
  .superRefine((account, ctx) => {
    const destination = destinationOf(account.type);
    if (!destination) return;
    if (account.oauth && destination.capabilities.auth.kind !== 'oauth') {
      ctx.addIssue({ code: 'custom', path: ['oauth'], message: `${account.type} does not connect through OAuth: put its credentials in config (as env:NAME or file:/path)` });
    }
    const parsed = parseConfig(destination, account.config);
    if (!parsed.ok) {
      for (const e of parsed.errors) ctx.addIssue({ code: 'custom', path: ['config'], message: e });
    }
  });
export type DestinationAccount = z.infer<typeof DestinationAccountSchema>;


/** The consent bases a conversions source can declare. */
export const CONSENT_BASES = ['tracker', 'contract', 'denied'] as const;
export type ConsentBasis = (typeof CONSENT_BASES)[number];

/** Where a sync's rows come from. */
export const SyncSourceSchema = z.union([
  z.object({ sql: z.string().min(1).describe('A read query over the warehouse') }).strict(),
  z
    .object({
      model: z.literal('conversions'),
      /** Track event names that count as conversions, e.g. ["Opportunity Created"]. */
      events: z.array(z.string().min(1)).min(1),
      /** Only conversions this recent. @defaultValue 90 (Google's longest click-through window) */
      lookbackDays: z.number().int().positive().max(3650).default(90),
      /**
       * On what basis these conversions may be sent to ad networks (docs/activation.md, "Consent
       * basis"): `tracker` (the person's latest recorded consent), `contract` (granted by contract,
       * e.g. CRM-imported conversions: a missing signal counts as granted; an explicit denial and
       * GPC still refuse), `denied` (never sent; every row refused as CONSENT_DENIED).
       */
      consent: z.object({ basis: z.enum(CONSENT_BASES).default('tracker') }).strict().prefault({}),
    })
    .strict(),
]);
export type SyncSource = z.infer<typeof SyncSourceSchema>;

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/**
 * One entry of a sync's mapping (docs/activation.md, "Mapping"): a source column; a constant
 * (`{ "static": "Purchase" }`); or a lookup on a source column (`{ "column": "event", "values":
 * { "Order Completed": "Purchase" }, "default": null }`): the value for each listed source value,
 * else `default` (absent: the source value itself). Values, never code: nothing is evaluated.
 */
export const MappingValueSchema = z.union([
  z.string().min(1),
  z.object({ static: scalar }).strict(),
  z.object({ column: z.string().min(1), values: z.record(z.string(), scalar), default: scalar.optional() }).strict(),
]);
export type MappingValue = z.infer<typeof MappingValueSchema>;

/** The source column a mapping entry reads, if any (a constant reads none). */
export const mappingSourceColumn = (v: MappingValue): string | undefined => (typeof v === 'string' ? v : 'column' in v ? v.column : undefined);

/** The constants a mapping entry can produce (what the standard-event check looks at). */
export const mappingConstants = (v: MappingValue | { readonly static: unknown }): unknown[] =>
  typeof v === 'string' ? [] : 'static' in v ? [v.static] : [...Object.values(v.values), ...(v.default !== undefined ? [v.default] : [])];

/** The modes a sync can run in (audience syncs are a later addition of the destinations contract). */
export const SYNC_RUN_MODES = [SYNC_MODES.insert, SYNC_MODES.update, SYNC_MODES.upsert, SYNC_MODES.mirror] as const;

/**
 * A sync: warehouse rows to a destination, incrementally.
 *
 * @example
 * { "destination": "hubspot", "source": { "sql": "select email, count(*) as feature_x_uses from events …" },
 *   "primaryKey": "email", "mode": "upsert", "schedule": { "every": "1h" } }
 */
export const SyncSchema = z
  .object({
    /** A key of `destinations`. */
    destination: z.string().min(1),
    source: SyncSourceSchema,
    /** The source column that identifies a row; must be unique and never null. */
    primaryKey: z.string().min(1),
    /**
     * Destination row column -> source column. Only mapped columns are sent and take part in
     * change detection. @defaultValue every source column, under its own name
     */
    mapping: z.record(z.string().min(1), MappingValueSchema).optional(),
    /** insert: new rows only; update/upsert: new and changed; mirror: also clears rows that left the source. */
    mode: z.enum(SYNC_RUN_MODES),
    /** `manual`, `{ "every": "15m" }`, `{ "cron": "0 6 * * *", "timezone": "Europe/Berlin" }` or `{ "after": "<sync>" }` (schedule-config.ts). @defaultValue manual */
    schedule: ScheduleSchema,
    guards: z
      .object({
        /** Refuse a mirror run that would clear more than this share of the synced rows. @defaultValue 20 */
        maxRemovePercent: z.number().min(0).max(100).default(20),
        /** Refuse a run whose diff is this many times the median of recent runs. @defaultValue 10 */
        maxChangeRatio: z.number().positive().default(10),
        /** Diffs smaller than this are never refused by the ratio guard. @defaultValue 1000 */
        minRows: z.number().int().nonnegative().default(1000),
      })
      .strict()
      .prefault({}),
    retry: z
      .object({
        /** Attempts per row, the first included (rate-limited answers count against 4x this). @defaultValue 5 */
        maxAttempts: z.number().int().min(1).max(50).default(5),
        /** @defaultValue 1000 */
        baseDelayMs: z.number().int().nonnegative().default(1000),
        /** @defaultValue 300000 */
        maxDelayMs: z.number().int().positive().default(300_000),
      })
      .strict()
      .prefault({}),
    /**
     * A run whose vendor-refused rows exceed this share of its rows ends `partially_failed`
     * (exit code 1, an alert) instead of `succeeded`. @defaultValue 5
     */
    maxRefusedPercent: z.number().min(0).max(100).default(5),
    /** Requests in flight at once for this sync. @defaultValue 2 */
    concurrency: z.number().int().min(1).max(32).default(2),
    /** Mirror: destination columns kept (not cleared) on removal. @defaultValue the columns mapped from the primary key */
    removeKeep: z.array(z.string().min(1)).optional(),
    /** Let rows of `testSources` reach a production destination (an admin's override, audited at start). @defaultValue false */
    allowTestSources: z.boolean().default(false),
  })
  .strict();
export type SyncConfig = z.infer<typeof SyncSchema>;

/**
 * A real-time forwarding rule: track events with one of these names go to the destination as
 * soon as they are durable, through an outbox.
 *
 * @example { "events": ["Order Completed"], "destination": "meta", "mapping": { "value": "properties.total" } }
 */
export const ForwardingRuleSchema = z
  .object({
    events: z.array(z.string().min(1)).min(1),
    destination: z.string().min(1),
    /**
     * Destination row column -> a path in the event (`properties.total`, `traits.email`,
     * `context.page.url`, `message_id`) or a fixed value (`{ "static": "Purchase" }`). Applied on
     * top of the standard columns every forwarded event gets (docs/activation.md).
     */
    mapping: z.record(z.string().min(1), z.union([z.string().min(1), z.object({ static: z.unknown() }).strict()])).default({}),
    /** Add the person's latest email, phone, click ids and consent from the warehouse. @defaultValue true */
    enrich: z.boolean().default(true),
    /** Forward events of `testSources` to a production destination too (an admin's override, audited at start). @defaultValue false */
    allowTestSources: z.boolean().default(false),
  })
  .strict();
export type ForwardingRule = z.infer<typeof ForwardingRuleSchema>;

export const ForwardingSchema = z
  .object({
    rules: z.record(z.string().regex(NAME, nameMessage), ForwardingRuleSchema).default({}),
    retry: z
      .object({
        /** @defaultValue 1000 */
        baseDelayMs: z.number().int().nonnegative().default(1000),
        /** @defaultValue 60000 */
        maxDelayMs: z.number().int().positive().default(60_000),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});
export type ForwardingConfig = z.infer<typeof ForwardingSchema>;

export const DestinationAccountsSchema = z.record(z.string().regex(NAME, nameMessage), DestinationAccountSchema).default({});
export const SyncsSchema = z.record(z.string().regex(NAME, nameMessage), SyncSchema).default({});

/** The activation part of the configuration, as the engine reads it. */
export interface ActivationConfig {
  readonly destinations: Readonly<Record<string, DestinationAccount>>;
  readonly syncs: Readonly<Record<string, SyncConfig>>;
  readonly forwarding: ForwardingConfig;
  /** The identity rules persons are resolved under (the full configuration has them). */
  readonly attribution?: { readonly identity: { readonly junkIds: readonly string[] } };
  /** Source ids whose events are test traffic (`touchline sources list`). @defaultValue none */
  readonly testSources?: readonly string[];
}

/**
 * The sources whose events must not reach `destination`: the test sources when the destination is
 * production and the sync or rule has no `allowTestSources` override; none otherwise.
 */
export function excludedSources(config: ActivationConfig, destination: string, allowTestSources: boolean): readonly string[] {
  const env = config.destinations[destination]?.environment ?? 'production';
  return env === 'production' && !allowTestSources ? (config.testSources ?? []) : [];
}

/** The configured extra junk ids (`attribution.identity.junkIds`), for person resolution. */
export const activationJunkIds = (config: ActivationConfig): readonly string[] => config.attribution?.identity.junkIds ?? [];

/**
 * Cross-checks between the sections: every sync and rule names a configured destination, in a
 * mode that destination supports. Mirror needs upsert: rows that leave the source are deleted
 * where the destination deletes (`capabilities.deletes`), else their mapped fields are cleared.
 */
export function checkActivationReferences(config: ActivationConfig, ctx: z.RefinementCtx): void {
  checkScheduleChains(config.syncs, ctx);
  for (const [name, sync] of Object.entries(config.syncs)) {
    const account = config.destinations[sync.destination];
    if (!account) {
      ctx.addIssue({ code: 'custom', path: ['syncs', name, 'destination'], message: `no destination "${sync.destination}" under destinations` });
      continue;
    }
    const destination = destinationOf(account.type);
    if (!destination) continue;
    const modes: readonly string[] = destination.capabilities.syncModes;
    const ok = modes.includes(sync.mode) || (sync.mode === 'mirror' && modes.includes('upsert'));
    if (!ok) {
      ctx.addIssue({
        code: 'custom',
        path: ['syncs', name, 'mode'],
        message: `${account.type} supports ${modes.join(', ')}${modes.includes('upsert') ? ', mirror' : ''}, not ${sync.mode}`,
      });
    }
  }
  for (const [name, sync] of Object.entries(config.syncs)) checkStandardEvents(config, sync.destination, sync.mapping ?? {}, ['syncs', name, 'mapping'], ctx);
  for (const [name, rule] of Object.entries(config.forwarding.rules)) {
    checkStandardEvents(config, rule.destination, rule.mapping, ['forwarding', 'rules', name, 'mapping'], ctx);
    if (!config.destinations[rule.destination]) {
      ctx.addIssue({ code: 'custom', path: ['forwarding', 'rules', name, 'destination'], message: `no destination "${rule.destination}" under destinations` });
    }
  }
}

/**
 * A constant mapped into the destination's standard-event column must be one of its standard
 * events (Meta: `Purchase`, `Lead`, …): a typo would otherwise be sent as a custom event.
 */
function checkStandardEvents(config: ActivationConfig, destinationName: string, mapping: Readonly<Record<string, MappingValue | { readonly static: unknown }>>, path: string[], ctx: z.RefinementCtx): void {
  const account = config.destinations[destinationName];
  const standard = account ? destinationOf(account.type)?.capabilities.standardEvents : undefined;
  const entry = standard ? mapping[standard.column] : undefined;
  if (!standard || entry === undefined) return;
  for (const value of mappingConstants(entry)) {
    if (value === null || standard.names.includes(String(value))) continue;
    ctx.addIssue({
      code: 'custom',
      path: [...path, standard.column],
      message: `"${String(value)}" is not a ${account!.type} standard event (${standard.names.join(', ')}); map a custom event from a source column instead`,
    });
  }
}
