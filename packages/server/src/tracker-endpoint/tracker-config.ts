import { MAX_COOKIE_AGE_DAYS } from '@touchline/site';
import { z } from 'zod';
import { WarehouseEngine } from '../warehouse/engine.js';

/**
 * Words that ad blockers' generic rules (EasyPrivacy) match in paths and file names
 * (shared/research/browser-realities.md §3.5, §10.17–10.18). A path containing one is refused.
 */
export const BLOCKED_PATH_WORDS = ['collect', 'track', 'analytics', 'beacon', 'pixel', 'pageview', 'event', 'telemetry', 'segment', 'gtag', 'gtm', 'matomo', 'piwik', 'posthog', 'touchline'] as const;

const neutralPath = (what: string, dflt: string) =>
  z
    .string()
    .regex(/^\/[A-Za-z0-9._~/-]*$/, `${what} must be an absolute path such as ${dflt}`)
    .refine((p) => !BLOCKED_PATH_WORDS.some((w) => p.toLowerCase().includes(w)), {
      message: `${what} must not contain a word ad blockers list (${BLOCKED_PATH_WORDS.join(', ')}): keep it neutral, such as ${dflt}`,
    })
    .default(dflt);

/** `tracker` section of the configuration. */
export const TrackerConfigSchema = z
  .object({
    /**
     * Serve the script and the tracker endpoint. The touch store and the touch rules below apply
     * either way: every SDK's events are stamped with their visitor's first and last touch.
     * @defaultValue true
     */
    enabled: z.boolean().default(true),
    /** Where the collector serves the tracker script. Neutral on purpose. @defaultValue `/_t/s.js` */
    scriptPath: neutralPath('tracker.scriptPath', '/_t/s.js'),
    /** The tracker endpoint (the script posts to `b` next to itself by default). @defaultValue `/_t/b` */
    endpointPath: neutralPath('tracker.endpointPath', '/_t/b'),
    /** `Cache-Control: max-age` of the script; browsers revalidate with its ETag after it. @defaultValue 3600 */
    scriptMaxAgeSeconds: z.coerce.number().int().nonnegative().default(3600),
    /**
     * The site asks for consent: an event to the tracker endpoint that does not state
     * `context.consent.analytics_storage` counts as not granted (no visitor cookie, no touch kept).
     * The tracker states it on every event; with `requireConsent` in the snippet it sends nothing
     * before consent. (The Segment API keeps a touch unless the event states it denied: its SDKs
     * hold events back themselves until the site's consent allows them.) @defaultValue false
     */
    requireConsent: z.boolean().default(false),
    cookie: z
      .object({
        /** @defaultValue `tl_vid` */
        name: z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'tracker.cookie.name must be a valid cookie name').default('tl_vid'),
        /** Slid on every visit; browsers cap cookies at 400 days. @defaultValue 365 */
        maxAgeDays: z.coerce.number().positive().max(MAX_COOKIE_AGE_DAYS, `tracker.cookie.maxAgeDays: browsers cap cookies at ${MAX_COOKIE_AGE_DAYS} days`).default(365),
        /** `auto` (registrable domain from the Public Suffix List), `host` (host-only), or a domain. @defaultValue `auto` */
        domain: z.string().min(1).default('auto'),
      })
      .prefault({}),
    /** The site's domains besides the page's registrable domain: referrers inside them are internal. @defaultValue [] */
    siteDomains: z.array(z.string().min(1)).default([]),
    /** Inactivity that ends a session; keep it equal to the tracker's `sessionTimeout`. @defaultValue 30 */
    sessionTimeoutMinutes: z.coerce.number().positive().default(30),
    /** Replaces the protocol's referral exclusions (payment providers, sign-in pages). @defaultValue the protocol's list */
    referralExclusions: z.array(z.string().min(1)).optional(),
    touchStore: z
      .object({
        /**
         * `clickhouse` (in the warehouse's ClickHouse, shared by every collector: needs
         * `warehouse.engine = clickhouse`), `sqlite` (durable, in this collector's data dir) or
         * `memory` (lost on restart).
         * @defaultValue `clickhouse` when `warehouse.engine` is `clickhouse`, else `sqlite`
         */
        engine: z.enum(['clickhouse', 'sqlite', 'memory']).optional(),
        /**
         * SQLite file; relative paths are inside `dataDir`. With the `clickhouse` engine, a file
         * left there by the SQLite store is moved into ClickHouse at start (then renamed
         * `<path>.imported`). @defaultValue `touches.sqlite`
         */
        path: z.string().min(1).default('touches.sqlite'),
        /** `normal` (survives a process crash) or `full` (fsync per update). @defaultValue `normal` */
        synchronous: z.enum(['normal', 'full']).default('normal'),
        clickhouse: z
          .object({
            /** Buffered touch facts are inserted at least this often (ms). @defaultValue 250 */
            flushIntervalMs: z.coerce.number().int().positive().default(250),
            /** ...or as soon as this many are buffered. @defaultValue 1000 */
            flushRows: z.coerce.number().int().positive().default(1000),
            /**
             * A visitor lookup or insert slower than this (ms) fails; the endpoint then answers
             * from this collector's own recent writes until a lookup succeeds again (one request
             * at a time still looks up, the others do not wait). @defaultValue 2000
             */
            timeoutMs: z.coerce.number().int().positive().default(2000),
          })
          .prefault({}),
      })
      .prefault({}),
  })
  .prefault({});

export type TrackerConfig = z.infer<typeof TrackerConfigSchema>;

export type TouchStoreEngine = NonNullable<TrackerConfig['touchStore']['engine']>;

/** The touch store a collector opens: the configured one, else the warehouse's ClickHouse when there is one. */
export function touchStoreEngine(config: Pick<TrackerConfig, 'touchStore'>, warehouseEngine: WarehouseEngine): TouchStoreEngine {
  return config.touchStore.engine ?? (warehouseEngine === WarehouseEngine.ClickHouse ? 'clickhouse' : 'sqlite');
}
