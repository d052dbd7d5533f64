import { DEFAULT_MAX_BATCH_BYTES, DEFAULT_MAX_EVENT_BYTES } from '@touchline/protocol';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { AttributionConfigSchema } from '../definitions/attribution-config.js';
import { canonicalOrigin } from '../http/site-origins.js';
import { LOG_LEVELS } from '../logging/log.js';
import { didYouMean, keysAt, unknownKeys } from './suggest.js';
import { PolicyConfigSchema } from '../policy/policy-settings.js';
import { PlansConfigSchema } from '../plans/plan-settings.js';
import { PrivacyConfigSchema } from '../privacy/privacy-config.js';
import { TrackerConfigSchema } from '../tracker-endpoint/tracker-config.js';
import { WarehouseConfigSchema } from '../warehouse/warehouse-config.js';
import { AlertsSchema, checkAlertRoutes } from '../alerts/alerts-config.js';
import {
  DestinationAccountsSchema,
  ForwardingSchema,
  SyncsSchema,
  checkActivationReferences,
} from '../activation/config/activation-config.js';
import { resolveConfigSecrets, type SecretSources } from '../connections/secret-refs.js';
import { checkSpendReferences, SpendConfigSchema } from '../spend/pull/spend-pull-config.js';

/**
 * Touchline's one configuration object. It is read once (file, then environment, then flags,
 * each overriding the one before), validated here, and handed down; no other module reads
 * `process.env` or a config file.
 */
export const ConfigSchema = z
  .object({
    /** Where the spool, the embedded warehouse and the generated secrets live. @defaultValue `.touchline` */
    dataDir: z.string().min(1).default('.touchline'),
    /** The public listener (collector, tracker, `/healthz`). @defaultValue 8080 */
    port: z.coerce.number().int().min(0).max(65535).default(8080),
    /** @defaultValue `0.0.0.0` */
    host: z.string().default('0.0.0.0'),
    /**
     * The admin listener: the admin API (SQL, status, sources, syncs, attribution) that the CLI
     * and, later, the dashboard use. Loopback by default; expose it only behind a TLS reverse
     * proxy (docs/security.md).
     */
    admin: z
      .object({
        /** @defaultValue `127.0.0.1` */
        host: z.string().default('127.0.0.1'),
        /** @defaultValue 8081 */
        port: z.coerce.number().int().min(0).max(65535).default(8081),
        /** Open connections on the admin listener. @defaultValue 100 */
        maxConnections: z.coerce.number().int().positive().default(100),
      })
      .prefault({}),
    /** Browsers on other origins (docs/security.md, "CORS"). */
    cors: z
      .object({
        /**
         * Origins besides those of `tracker.siteDomains` whose pages may call the public listener
         * with credentials (the visitor cookie), each exactly as a browser sends it:
         * `https://app.example.com`. @defaultValue []
         */
        allowedOrigins: z
          .array(z.string().refine((o) => canonicalOrigin(o) !== null, { message: 'each entry must be an origin: scheme://host[:port], lower case, no path, e.g. https://app.example.com' }))
          .default([]),
      })
      .prefault({}),
    log: z
      .object({
        /**
         * `info`: no event bodies, e-mail addresses, IP addresses, tokens or row contents in any
         * line. `debug`: lines as they are (says so at start) — for diagnosis, not production.
         * @defaultValue `info`
         */
        level: z.enum(LOG_LEVELS).default('info'),
      })
      .prefault({}),
    /** Write key of the `default` source (generated on first start when absent). */
    writeKey: z.string().min(8).optional(),
    /** Bearer token for the admin API and the CLI (generated on first start when absent). */
    adminToken: z.string().min(16).optional(),
    warehouse: WarehouseConfigSchema,
    limits: z
      .object({
        /** Largest single event (and single-event request). @defaultValue 32 KB, as Segment */
        maxEventBytes: z.coerce.number().int().positive().default(DEFAULT_MAX_EVENT_BYTES),
        /** Largest batch request. @defaultValue 500 KB, as Segment */
        maxBatchBytes: z.coerce.number().int().positive().default(DEFAULT_MAX_BATCH_BYTES),
        /** Open connections on the public listener; more are closed as they arrive. @defaultValue 10000 */
        maxConnections: z.coerce.number().int().positive().default(10_000),
        /** A client must send a request's headers within this time, on both listeners. @defaultValue 20000 ms */
        headersTimeoutMs: z.coerce.number().int().positive().default(20_000),
        /**
         * …and the whole request, body included (a 500 KB batch at 100 kbit/s takes 40 s), on both
         * listeners. Slower clients get 408 and are disconnected. @defaultValue 60000 ms
         */
        requestTimeoutMs: z.coerce.number().int().positive().default(60_000),
        /**
         * An idle keep-alive connection is closed after this time, on both listeners. Longer than a
         * load balancer's idle timeout (60 s on most), so the balancer closes first. @defaultValue 65000 ms
         */
        keepAliveTimeoutMs: z.coerce.number().int().positive().default(65_000),
      })
      .prefault({}),
    spool: z
      .object({
        /** Unloaded bytes on disk before the collector answers 503. @defaultValue 1 GiB */
        maxBytes: z.coerce.number().int().positive().default(1024 ** 3),
        /** @defaultValue 16 MiB */
        segmentBytes: z.coerce.number().int().positive().default(16 * 1024 ** 2),
        /** @defaultValue 200 ms */
        rollIntervalMs: z.coerce.number().int().positive().default(200),
        /** Seconds a sender is asked to wait when the spool is full. @defaultValue 5 */
        retryAfterSeconds: z.coerce.number().int().positive().default(5),
      })
      .prefault({}),
    loader: z
      .object({
        /** Shortest time between loads (larger, cheaper loads under traffic). @defaultValue 1000 ms */
        minIntervalMs: z.coerce.number().int().nonnegative().default(1000),
      })
      .prefault({}),
    dedup: z
      .object({
        /** Window for messageId deduplication per source, in the warehouse. @defaultValue 24 h */
        windowHours: z.coerce.number().positive().default(24),
        /** Recent message ids remembered in memory (fast duplicate answers). @defaultValue 200000 */
        memoryEntries: z.coerce.number().int().nonnegative().default(200_000),
      })
      .prefault({}),
    ip: z
      .object({
        /**
         * Trust `X-Forwarded-For` from these proxies (fastify `trustProxy`: `true`, a hop count,
         * or addresses/CIDRs). Off by default: a client can forge the header. @defaultValue false
         */
        trustProxy: z.union([z.boolean(), z.number().int(), z.array(z.string())]).default(false),
        /** `none`, `last-octet` (IPv4 /24, IPv6 /48) or `remove`. @defaultValue `none` */
        truncate: z.enum(['none', 'last-octet', 'remove']).default('none'),
      })
      .prefault({}),
    /** The browser tracker: its script, its endpoint, the visitor cookie and the touch store. */
    tracker: TrackerConfigSchema,
    /** Activation (docs/activation.md): destination accounts, reverse-ETL syncs, real-time forwarding rules. */
    destinations: DestinationAccountsSchema,
    syncs: SyncsSchema,
    forwarding: ForwardingSchema,
    /** Source ids (`touchline sources list`) whose events are test traffic: they never reach a production destination (docs/governance.md). */
    testSources: z.array(z.string().min(1)).default([]),
    /** Alerts on failed, partially failed, dead-token and overdue sync runs (docs/activation.md, "Alerts"). */
    alerts: AlertsSchema,
    /** Identity, sessions, channel rules and conversions: what attribution reads (see docs/attribution.md). */
    attribution: AttributionConfigSchema,
    /** Overrides of the people policy's defaults: roles, tenure, sends, tokens, audit (docs/governance.md). */
    policy: PolicyConfigSchema,
    /** The tracking plan and each source's modes (docs/tracking-plans.md). */
    plans: PlansConfigSchema,
    /** Redaction at ingest (docs/governance.md, "Privacy"). */
    privacy: PrivacyConfigSchema,
    /** Ad spend pulled from the networks' reporting APIs (docs/spend.md). */
    spend: SpendConfigSchema,
  })
  .strict()
  .superRefine(checkActivationReferences)
  .superRefine(checkSpendReferences)
  .superRefine((c, ctx) => checkAlertRoutes(c.alerts, Object.keys(c.syncs), ctx))
  .superRefine((c, ctx) => {
    if (c.limits.headersTimeoutMs > c.limits.requestTimeoutMs) {
      ctx.addIssue({ code: 'custom', path: ['limits', 'headersTimeoutMs'], message: 'must not exceed limits.requestTimeoutMs (the headers are part of the request)' });
    }
    if (c.admin.port !== 0 && c.admin.port === c.port) {
      ctx.addIssue({ code: 'custom', path: ['admin', 'port'], message: `must differ from port (${c.port}): the admin API has a listener of its own` });
    }
    if (c.tracker.touchStore.engine === 'clickhouse' && c.warehouse.engine !== 'clickhouse') {
      ctx.addIssue({
        code: 'custom',
        path: ['tracker', 'touchStore', 'engine'],
        message: 'the clickhouse touch store lives in the warehouse\'s ClickHouse: it needs warehouse.engine = clickhouse (use sqlite with DuckDB)',
      });
    }
  });

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;

/** Environment variables and the config key each sets. One table, one place. */
export const ENV_KEYS: Readonly<Record<string, string>> = {
  TOUCHLINE_DATA_DIR: 'dataDir',
  TOUCHLINE_PORT: 'port',
  TOUCHLINE_HOST: 'host',
  TOUCHLINE_ADMIN_HOST: 'admin.host',
  TOUCHLINE_ADMIN_PORT: 'admin.port',
  TOUCHLINE_LOG_LEVEL: 'log.level',
  TOUCHLINE_WRITE_KEY: 'writeKey',
  TOUCHLINE_ADMIN_TOKEN: 'adminToken',
  TOUCHLINE_WAREHOUSE: 'warehouse.engine',
  TOUCHLINE_DUCKDB_THREADS: 'warehouse.duckdbThreads',
  TOUCHLINE_DUCKDB_MEMORY_LIMIT: 'warehouse.duckdbMemoryLimit',
  TOUCHLINE_CLICKHOUSE_URL: 'warehouse.clickhouse.url',
  TOUCHLINE_CLICKHOUSE_DATABASE: 'warehouse.clickhouse.database',
  TOUCHLINE_CLICKHOUSE_USER: 'warehouse.clickhouse.username',
  TOUCHLINE_CLICKHOUSE_PASSWORD: 'warehouse.clickhouse.password',
  TOUCHLINE_TRUST_PROXY: 'ip.trustProxy',
  TOUCHLINE_IP_TRUNCATE: 'ip.truncate',
  TOUCHLINE_PLANS_PATH: 'plans.path',
  TOUCHLINE_SUPPRESSION_KEY: 'privacy.suppressionKey',
};

/** Sets `a.b.c` in a nested plain object. */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let o = target;
  for (const k of keys.slice(0, -1)) {
    const next = o[k];
    if (typeof next !== 'object' || next === null) o[k] = {};
    o = o[k] as Record<string, unknown>;
  }
  o[keys[keys.length - 1]!] = value;
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object' && !Array.isArray(prev)
        ? deepMerge(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

function envValue(key: string, raw: string): unknown {
  if (key === 'ip.trustProxy') {
    if (raw === 'true' || raw === 'false') return raw === 'true';
    if (/^\d+$/.test(raw)) return Number(raw);
    return raw.split(',').map((s) => s.trim());
  }
  return raw;
}

/** For a key the schema does not know: the known key it is probably a typo of. */
function unknownKeyHint(i: { readonly code: string; readonly path: readonly PropertyKey[]; readonly keys?: readonly string[] }): string {
  if (i.code !== 'unrecognized_keys' || !i.keys) return '';
  const known = keysAt(ConfigSchema, i.path);
  return i.keys.map((k) => didYouMean(k, known).replace(/^ \(did you mean "(.*)"\?\)$/, ` ("${k}": did you mean "$1"?)`)).join('');
}

/** A configuration problem, naming the key and what to do. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Builds the configuration: `file` (parsed JSON) < `env` < `flags`. Throws {@link ConfigError}
 * listing every invalid key.
 */
export function resolveConfig(
  file: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
  flags: Record<string, unknown>,
  readSecretFile: SecretSources['readFile'] = (path) => readFileSync(path, 'utf8'),
): Config {
  const fromEnv: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const raw = env[name];
    if (raw !== undefined && raw !== '') setPath(fromEnv, key, envValue(key, raw));
  }
  // Credentials written env:NAME / file:/path are resolved before validation (connections/secret-refs.ts).
  const secrets = resolveConfigSecrets(deepMerge(deepMerge(file, fromEnv), flags), { env, readFile: readSecretFile });
  const merged = secrets.config;
  const parsed = ConfigSchema.safeParse(merged);
  // Nested objects strip unknown keys: a mistyped nested key would be ignored without a word.
  const nested = unknownKeys(ConfigSchema, merged).filter((u) => u.path.length > 0);
  const lines = [
    ...secrets.errors.map((e) => `  ${e}`),
    ...(parsed.success ? [] : parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}${unknownKeyHint(i)}`)),
    ...nested.map((u) => `  ${u.path.join('.')}: unknown key "${u.key}"${didYouMean(u.key, u.known)}`),
  ];
  if (lines.length > 0 || !parsed.success) throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  CREDENTIALS.set(parsed.data, { literals: secrets.literals, values: secrets.values });
  return parsed.data;
}

/** What {@link resolveConfig} learnt about the credentials of each configuration it built. */
const CREDENTIALS = new WeakMap<Config, { readonly literals: readonly string[]; readonly values: readonly string[] }>();

/**
 * The config keys holding a literal credential (warned at start: docs/activation.md, "Secrets"),
 * and every credential value, for the log's redaction and dry-run output. Empty for a
 * configuration that did not come from {@link resolveConfig}.
 */
export function configCredentials(config: Config): { readonly literals: readonly string[]; readonly values: readonly string[] } {
  return CREDENTIALS.get(config) ?? { literals: [], values: [] };
}
