import { privacyRoutes } from './admin/privacy-routes.js';
import { openPrivacyChecks, type PrivacyChecks } from './privacy/privacy.js';
import { eventRedaction } from './privacy/privacy-config.js';
import { scheduleRetention, type RetentionJob } from './privacy/retention.js';
import { privacyRequests, type PrivacyRequests } from './privacy/privacy-requests.js';
import type { SuppressionList } from './privacy/suppression-list.js';
import type { FetchLike } from '@touchline/destinations';
import type { FastifyInstance } from 'fastify';
import { randomBytes, randomUUID } from 'node:crypto';
import { access, constants as fsConstants } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { buildAdminApp } from './admin/admin-app.js';
import type { AdminRoute } from './admin/admin-route.js';
import { adminAuth, createSessionStore, registerSessionRoutes, signInAudit } from './admin/credentials.js';
import { peopleRoutes } from './admin/people-routes.js';
import { policyGuard } from './admin/policy-guard.js';
import { attributionRoutes } from './admin/attribution-routes.js';
import { pipelineRoutes } from './admin/pipeline-routes.js';
import { syncRoutes } from './admin/sync-routes.js';
import { loggerFrom, startActivation, type Activation } from './activation/activation.js';
import { approvalRoutes } from './admin/approval-routes.js';
import { createApprovals, type Approvals } from './approvals/approvals.js';
import { partyOf } from './approvals/same-person.js';
import { SCHEDULER } from './approvals/approval-record.js';
import { auditEnvironmentsAtStart } from './approvals/environments-at-start.js';
import { actorOf } from './admin/admin-route.js';
import { startAlerts } from './alerts/start-alerts.js';
import type { AlertStatus } from './alerts/alerter.js';
import { attributeHandler } from './attribute/admin-attribute.js';
import { createStoredPaths, type StoredPaths } from './attribute/stored-paths.js';
import { scheduleStoredPathsRefresh, withStoredPathsRefresh } from './attribute/stored-paths-refresh.js';
import { prebuildPaths } from './attribute/path-statements.js';
import { MODEL_NAMES } from '@touchline/attribution';
import { dashboardRoutes } from './dashboard/dashboard-routes.js';
import { createLiveTap, type LiveTap } from './dashboard/live-tap.js';
import { createRollups, withRollupRefresh, type DashboardRollups } from './dashboard/rollups.js';
import { loadDashboardAssets, registerDashboardAssets } from './dashboard/static-assets.js';
import { buildCollectorApp } from './collector/app.js';
import { createRecentIds } from './collector/dedup.js';
import { createIngest, type Ingest, type IngestDeps } from './collector/ingest.js';
import { createUserAgentParser } from './collector/user-agent.js';
import { ConfigError, configCredentials, type Config } from './config/config.js';
import { openConnections, type Connections } from './connections/connections.js';
import { connectionRoutes, OAUTH_CALLBACK_PATH, registerOAuthCallback } from './admin/connection-routes.js';
import { ensurePrivateDataDir, restrictUmask } from './data-dir/private-files.js';
import { loadSecrets, rewriteSecrets } from './data-dir/secrets.js';
import { ClientError } from './http/client-error.js';
import { openPeople, type People } from './people/people.js';
import { systemPeopleClock } from './people/people-clock.js';
import { flattenPolicyConfig } from './policy/policy-settings.js';
import { auditAtStart, scheduleAuditPrune } from './people/audit-at-start.js';
import { listen, routeTable } from './http/http-app.js';
import type { ListenerLimits } from './http/listener-limits.js';
import { siteOrigins } from './http/site-origins.js';
import { createDerivedModel, type DerivedModel } from './identity/derived-model.js';
import { withDerivedRefresh } from './identity/refresh-on-load.js';
import { createLoader, type Loader } from './loader/loader.js';
import { jsonSink } from './logging/json-sink.js';
import { createLog, type Log, type LogSink } from './logging/log.js';
import { createMetrics, type Metrics } from './metrics/metrics.js';
import { metricsRoutes } from './admin/metrics-routes.js';
import { meteredIngest } from './collector/metered-ingest.js';
import { meteredWarehouse } from './warehouse/metered-warehouse.js';
import { createPlanGate, modesOf } from './plans/plan-gate.js';
import { openPlanHolder, type PlanHolder, type PlanReload } from './plans/plan-holder.js';
import { planRoutes } from './admin/plan-routes.js';
import { utmRoutes } from './admin/utm-routes.js';
import { compileUtmRules, UtmRulesSchema } from './taxonomy/utm-rules.js';
import { ensureDefaultSource, revokedKeyAdvice, type DefaultSource } from './sources/default-source.js';
import { openSourceRegistry, type SourceRegistry } from './sources/sources.js';
import { openSpool, type Spool, type SpoolIO, type SpoolOptions } from './spool/spool.js';
import { dateOf, systemClock, type Clock } from './clock/clock.js';
import { openTrackerEndpoint, touchRulesOf, type TrackerEndpoint } from './tracker-endpoint/open-tracker-endpoint.js';
import { openTouchStore } from './tracker-endpoint/open-touch-store.js';
import type { TouchStore } from './tracker-endpoint/touch-store.js';
import { createTouchStamping } from './tracker-endpoint/visitor-stamps.js';
import { openWarehouse } from './warehouse/open-warehouse.js';
import type { Warehouse } from './warehouse/warehouse.js';

/** A running Touchline: collector, spool, loader and warehouse, composed, behind two listeners. */
export interface Touchline {
  /** The public listener's app: collector, tracker, `/healthz`. */
  readonly app: FastifyInstance;
  /** The admin listener's app: the admin API (src/admin/). */
  readonly adminApp: FastifyInstance;
  /** Where the public listener is reached from this machine. */
  readonly url: string;
  /** Where the admin listener is reached from this machine. */
  readonly adminUrl: string;
  readonly writeKey: string;
  /** The admin token as it is now (`touchline admin-token rotate` changes it). */
  readonly adminToken: string;
  /** Members, personal tokens, the policy and the audit log (the control store, src/people/). */
  readonly people: People;
  /** Two-person approval of risky sends (src/approvals/). */
  readonly approvals: Approvals;
  /** How each credential was found (what `touchline start` may print: a secret is shown once). */
  readonly credentials: StartCredentials;
  readonly collectorId: string;
  readonly warehouse: Warehouse;
  readonly spool: Spool;
  readonly loader: Loader;
  readonly sources: SourceRegistry;
  readonly ingest: Ingest;
  /** Each visitor's first / last / session touch, by visitor id (the tracker's cookie id, or an SDK's anonymous id). */
  readonly touchStore: TouchStore;
  /** Reverse-ETL syncs and real-time forwarding (docs/activation.md). */
  readonly activation: Activation;
  /** Identity, sessions, touches, conversions and persons derived from the warehouse. */
  readonly derived: DerivedModel;
  /** The tracking plan in force (docs/tracking-plans.md). */
  readonly plans: PlanHolder;
  /**
   * Reads the plan file again (`touchline start` calls it on SIGHUP), recorded in the audit log
   * as `plans.reloaded` (or failed: the plan in force stays). Null when no plan is configured.
   */
  reloadPlan(trigger: string): Promise<PlanReload | null>;
  /** Privacy requests and the suppression list (src/privacy/, docs/governance.md). */
  readonly privacy: PrivacyRequests;
  readonly suppressions: SuppressionList;
  /** The retention job (src/privacy/retention.ts). */
  readonly retention: RetentionJob;
  readonly log: Log;
  /** This server's Prometheus registry and counters (`GET /metrics` on the admin listener). */
  readonly metrics: Metrics;
  /** Stops accepting, loads what is spooled, and closes everything. */
  close(): Promise<void>;
}

export interface StartCredentials {
  /** `generated` now (shown once), kept in the data dir (`file`), or from `adminToken` / `TOUCHLINE_ADMIN_TOKEN`. */
  readonly adminToken: { readonly from: 'generated' | 'data-dir' | 'configured'; readonly file: string };
  readonly writeKey: DefaultSource;
}

export function dataPath(config: Config, p: string): string {
  return isAbsolute(p) ? p : join(resolve(config.dataDir), p);
}

export interface StartOptions {
  /** Listen on the configured ports (false: in-process only, for tests). @defaultValue true */
  readonly listen?: boolean;
  readonly now?: () => Date;
  /** Time and timers of the spool, the derived model and (unless `now` is given) the collector; tests advance one. @defaultValue the system clock */
  readonly clock?: Clock;
  /** Where log lines go; `log.level` decides which and what they may carry. @defaultValue JSON lines on stderr (logging/json-sink.ts) */
  readonly log?: LogSink;
  /** HTTP client for destinations (activation). @defaultValue the global fetch */
  readonly fetch?: FetchLike;
  /** How the spool writes rows; `ndjson` (unchecked) only as the ingest bench's baseline. @defaultValue `framed` */
  readonly spoolRecordFormat?: SpoolOptions['recordFormat'];
  /** Spool group commits in flight at once; `1` (the earlier serial path) only as the ingest bench's baseline. @defaultValue 2 */
  readonly spoolCommitSlots?: number;
  /** The spool's file operations; tests replace them to order or fail an fdatasync. @defaultValue the node:fs ones */
  readonly spoolIO?: SpoolIO;
  /** Told the new admin token after a rotation (`touchline start` rewrites server.json). */
  readonly onAdminTokenRotated?: (token: string) => Promise<void>;
}

/** Touchline files a config may place outside the data dir: kept private too. */
function filesOutsideDataDir(config: Config): string[] {
  const files: string[] = [];
  if (config.warehouse.engine === 'duckdb' && isAbsolute(config.warehouse.duckdbPath)) files.push(config.warehouse.duckdbPath, `${config.warehouse.duckdbPath}.wal`);
  const touches = config.tracker.touchStore.path;
  if (isAbsolute(touches)) files.push(touches, `${touches}-wal`, `${touches}-shm`);
  return files;
}

const listenerLimits = (config: Config, maxConnections: number): ListenerLimits => ({
  maxConnections,
  headersTimeoutMs: config.limits.headersTimeoutMs,
  requestTimeoutMs: config.limits.requestTimeoutMs,
  keepAliveTimeoutMs: config.limits.keepAliveTimeoutMs,
});

/** Opens the data dir privately and says so when an older one was readable by others. */
async function openDataDir(config: Config, dataDir: string, log: Log): Promise<void> {
  restrictUmask();
  const { tightened, failed } = await ensurePrivateDataDir(dataDir, filesOutsideDataDir(config));
  if (tightened.length > 0) {
    log('the data dir was readable by other users of this machine: tightened to 0700 (directories) and 0600 (files)', {
      dataDir,
      paths: tightened.length,
      examples: tightened.slice(0, 5).map((t) => `${t.path} (was ${t.was.toString(8)})`),
    });
  }
  for (const f of failed) log('could not make a data dir file private: fix its owner or mode by hand', f);
}

/** What every door's ingest shares: the spool, the recent ids, the user-agent parser, the limits. */
function ingestDepsOf(config: Config, spool: Spool, dedupWindowMs: number): Omit<IngestDeps, 'touches'> {
  return {
    spool,
    recent: createRecentIds(config.dedup.memoryEntries, Math.min(dedupWindowMs, 10 * 60 * 1000)),
    parseUserAgent: createUserAgentParser(),
    newMessageId: randomUUID,
    ipTruncation: config.ip.truncate,
    maxEventBytes: config.limits.maxEventBytes,
  };
}

/** The spool in the data dir, recovered from the warehouse's checkpoint; what recovery cut is logged. */
async function openRecoveredSpool(
  config: Config,
  dataDir: string,
  checkpoint: number | null,
  o: { readonly clock: Clock; readonly log: Log; readonly format: SpoolOptions['recordFormat']; readonly commitSlots: number | undefined; readonly io: SpoolIO | undefined },
): Promise<Spool> {
  const s = config.spool;
  const options: SpoolOptions = { dir: join(dataDir, 'spool'), maxBytes: s.maxBytes, segmentBytes: s.segmentBytes, rollIntervalMs: s.rollIntervalMs, clock: o.clock, log: o.log };
  const tuned: SpoolOptions = { ...options, ...(o.format ? { recordFormat: o.format } : {}), ...(o.commitSlots ? { commitSlots: o.commitSlots } : {}), ...(o.io ? { io: o.io } : {}) };
  const { spool, recoveredDropped, recoveredDamagedBytes } = await openSpool(tuned, checkpoint);
  if (recoveredDropped > 0) o.log('cut unacknowledged partial rows from an interrupted spool segment', { rows: recoveredDropped });
  if (recoveredDamagedBytes > 0) o.log('an interrupted spool segment holds damaged bytes; the loader sets them aside in failed_events', { bytes: recoveredDamagedBytes });
  return spool;
}

/**
 * The composition root: opens each part in dependency order (data dir, secrets, warehouse, spool,
 * derived model, activation, loader, ingest, tracker, apps, listeners) and closes what it opened,
 * in reverse, if a later step fails. Long because it is the one place that knows every part.
 */
export async function startTouchline(config: Config, options: StartOptions = {}): Promise<Touchline> {
  const clock = options.clock ?? systemClock;
  const now = options.now ?? (() => dateOf(clock));
  let sourcesForLog: SourceRegistry | undefined;
  let connectionsForLog: Connections | undefined;
  const grantSecrets = () => connectionsForLog?.secrets() ?? [];
  const dataDir = resolve(config.dataDir);
  const sink = options.log ?? jsonSink();
  // The log keeps the admin token out of its lines, and the token is in the data dir: open it first.
  await openDataDir(config, dataDir, createLog({ level: config.log.level, sink }));
  const stored = await loadSecrets(dataDir);
  let adminToken = config.adminToken ?? stored.secrets.adminToken;
  const log = createLog({
    level: config.log.level,
    sink,
    secrets: () => [adminToken, ...(sourcesForLog?.list().map((s) => s.writeKey) ?? []), ...configCredentials(config).values, ...grantSecrets()],
  });
  for (const key of configCredentials(config).literals) log(`${key} holds a literal credential: write env:NAME or file:/path instead (docs/activation.md, "Secrets")`);
  if (log.level === 'debug') log('log.level is debug: log lines may carry event contents, e-mail and IP addresses, tokens and row contents; use info in production');

  // The control store first: a policy section it cannot use stops the start before anything opens.
  const peopleClock = systemPeopleClock(now);
  const people = openPeople({
    dataDir, pepper: stored.secrets.tokenPepper, adminToken: () => adminToken,
    policyConfig: flattenPolicyConfig(config.policy), clock: peopleClock,
  });
  let warehouse: Warehouse;
  let connections: Connections;
  // One registry per server: tests run several in one process.
  const metrics = createMetrics();
  try {
    // Destination grants live beside the people, in the control store (migration 4).
    connections = openConnections({
      db: people.store.db, grantKey: stored.secrets.grantKey, destinations: config.destinations,
      fetch: options.fetch ?? (globalThis.fetch as unknown as FetchLike), clock, logger: loggerFrom(log),
      defaultRedirectUri: callbackUri(config),
    });
    connectionsForLog = connections;
    await auditAtStart(people, dataDir, flattenPolicyConfig(config.policy), log);
    auditEnvironmentsAtStart(people.store.db, people.audit, config, log);
    warehouse = meteredWarehouse(await openWarehouse(config.warehouse, dataDir), metrics);
  } catch (err) {
    people.close();
    throw err;
  }
  // The suppression list (control store), checked at ingest, by the loader, by syncs and forwarding.
  const checks = openPrivacyChecks(people.store.db, stored.secrets.tokenPepper);
  // What is open so far, closed in reverse if the start fails part way (a port in use…).
  const stopPruning = scheduleAuditPrune(people, log);
  const opened: (() => Promise<unknown>)[] = [async () => (stopPruning(), people.close()), () => warehouse.close()];
  try {
    await warehouse.migrate();
    const sources = await openSourceRegistry(warehouse, now);
    sourcesForLog = sources;
    const defaultSource = await ensureDefaultSource(sources, config.writeKey);
    if (defaultSource.from === 'revoked') log(revokedKeyAdvice(defaultSource));

    const spool = await openRecoveredSpool(config, dataDir, await warehouse.checkpoint(stored.secrets.collectorId), { clock, log, format: options.spoolRecordFormat, commitSlots: options.spoolCommitSlots, io: options.spoolIO });
    opened.push(() => spool.close());
    const dedupWindowMs = config.dedup.windowHours * 3600 * 1000;
    // Identity, sessions, touches, conversions, persons: derived from the raw tables, refreshed per load.
    const derived = createDerivedModel(warehouse, config, log, clock);
    const { sessionsRebuilt } = await derived.ensure();
    // The dashboard's daily rollups (DuckDB), refreshed after each load like the sessions.
    const rollups = createRollups(warehouse, derived.sql, log);
    await rollups.ensure(sessionsRebuilt);
    // The attribution page's conversion paths (DuckDB), per filter combination; ClickHouse builds them per request.
    const storedPaths = warehouse.engine === 'duckdb' ? createStoredPaths(warehouse, now) : undefined;
    if (storedPaths && sessionsRebuilt) await storedPaths.clear();
    // Only a listening server refreshes them (a tick's work at a time, after each load) and prebuilds the page's default filters; tests tick themselves.
    const pathsRefresh = storedPaths && options.listen !== false ? scheduleStoredPathsRefresh({ paths: storedPaths, clock, log, prebuild: () => prebuildPaths(warehouse, config, { models: MODEL_NAMES, level: 'channel' }, storedPaths, { sessionsFresh: () => derived.sessionsFresh() }) }) : undefined;
    opened.push(async () => pathsRefresh?.stop());
    // Only a listening server schedules syncs; an in-process Touchline (touchline import) does not.
    // Two-person approval of risky sends, over the control store (src/approvals/); it starts approved runs once activation has started.
    let activationRef: Activation | undefined;
    const approvals = createApprovals({
      db: people.store.db, audit: people.audit, clock: peopleClock, policy: people.policy, log,
      run: (name, o) => (activationRef ? activationRef.syncs.run(name, o) : Promise.reject(new Error('activation has not started'))),
    });
    const activation = await startActivation({
      config, warehouse, dataDir, log, schedule: options.listen !== false, ...(options.fetch ? { fetch: options.fetch } : {}), auth: connections.auth, suppressed: checks.record,
      scheduledGate: approvals.gateFor(SCHEDULER, { forced: false, full: false }),
      onRunEnded: (run) => metrics.countSyncRun(run),
    });
    activationRef = activation;
    const loader = createLoader({
      collectorId: stored.secrets.collectorId,
      spool,
      warehouse: withStoredPathsRefresh(withRollupRefresh(withDerivedRefresh(warehouse, derived), rollups), pathsRefresh),
      dedupWindowMs,
      minIntervalMs: config.loader.minIntervalMs,
      log,
      beforeLoad: activation.beforeLoad,
      clock,
      dropRow: checks.row,
    });
    opened.push(() => activation.close());
    // The retention policy (docs/governance.md, "Retention"): at start and every 6 h.
    const retention = scheduleRetention({ warehouse, settings: () => people.policy().retention, clock, log });
    opened.push(async () => retention.stop());
    const alerts = startAlerts({ config: config.alerts, source: activation, fetch: options.fetch ?? (globalThis.fetch as unknown as FetchLike), clock, logger: loggerFrom(log) });
    opened.push(() => alerts.close());
    loader.start();
    opened.push(() => loader.stop());

    const touches = await openTouchStore({
      config: config.tracker,
      dataDir,
      warehouseEngine: config.warehouse.engine,
      ...(config.warehouse.engine === 'clickhouse' ? { clickhouse: config.warehouse.clickhouse } : {}),
      clock,
      log,
    });
    opened.push(() => touches.close());
    // The tracking plan: loaded now (a plan that does not load stops the start, saying why).
    const plans = await openPlanHolder(config.plans.path);
    const sourceName = (id: string) => sources.list().find((s) => s.id === id)?.name;
    const redact = eventRedaction(config.privacy);
    const ingestDeps = { ...ingestDepsOf(config, spool, dedupWindowMs), plans: createPlanGate(plans.current, config.plans, sourceName), suppressed: checks.event, ...(redact ? { redact } : {}) };
    // Every door stamps each event with its visitor's touches; the tracker endpoint does it itself,
    // under its cookie's visitor id, so its ingest does not.
    // The dashboard's live view reads both doors through one sampled tap, after each answer.
    const live = createLiveTap();
    const ingest = live.wrap(meteredIngest(createIngest({ ...ingestDeps, touches: createTouchStamping(touches.store, touchRulesOf(config.tracker), config.attribution.identity.junkIds) }), metrics));
    const tracker = config.tracker.enabled
      ? await openTrackerEndpoint({ config: config.tracker, store: touches.store, ingest: live.wrap(meteredIngest(createIngest(ingestDeps), metrics)), sources, maxBatchBytes: config.limits.maxBatchBytes, now })
      : undefined;
    const countVisitors = touches.store.count?.bind(touches.store);
    metrics.watch({ spool: () => spool.stats(), loader: () => loader.stats(), ...(countVisitors ? { touchStoreVisitors: countVisitors } : {}) });
    const rotateAdminToken = async (): Promise<string> => {
      if (config.adminToken !== undefined) throw new ClientError(409, 'conflict', 'the admin token comes from adminToken / TOUCHLINE_ADMIN_TOKEN: change it there and restart');
      const next = randomBytes(24).toString('base64url');
      await rewriteSecrets(stored.file, { ...stored.secrets, adminToken: next });
      adminToken = next;
      await options.onAdminTokenRotated?.(next);
      return next;
    };
    const readiness = async () => ({
      spool: await access(join(dataDir, 'spool'), fsConstants.W_OK).then(() => null, (err: Error) => err.message),
      warehouse: await warehouse.query('select 1').then(() => null, (err: Error) => err.message),
    });
    const privacy = privacyRequests({
      warehouse, touchStore: touches.store, db: people.store.db, hash: checks.hash, suppressions: checks.suppressions, now, newId: () => `prv_${randomBytes(8).toString('hex')}`,
      settle: () => loader.flush(),
    });
    const parts = { warehouse, sources, spool, loader, ingest, tracker, activation, derived, people, approvals, now, rotateAdminToken, readiness, live, rollups, connections, metrics, plans, privacy, checks, retention, alerts, storedPaths };
    const { app, adminApp } = await buildApps(config, parts, log);
    const urls = await openListeners(config, app, adminApp, options.listen !== false);

    let closed = false;
    return {
      app,
      adminApp,
      ...urls,
      writeKey: defaultSource.writeKey,
      get adminToken() {
        return adminToken;
      },
      people,
      approvals,
      credentials: {
        adminToken: { from: config.adminToken ? 'configured' : stored.generated ? 'generated' : 'data-dir', file: stored.file },
        writeKey: defaultSource,
      },
      collectorId: stored.secrets.collectorId,
      warehouse,
      spool,
      loader,
      sources,
      ingest,
      touchStore: touches.store,
      activation,
      derived,
      plans,
      async reloadPlan(trigger) {
        if (config.plans.path === undefined) return null;
        const before = plans.current()?.version ?? null;
        const actor = { type: 'system' as const, id: null, label: 'touchline', tokenId: null };
        try {
          const r = await plans.reload();
          people.audit.append({ actor, action: 'plans.reloaded', target: config.plans.path, outcome: 'allowed', rule: trigger, before: { version: before }, after: { version: r.version } });
          return r;
        } catch (err) {
          people.audit.append({ actor, action: 'plans.reloaded', target: config.plans.path, outcome: 'failed', rule: trigger, reason: (err as Error).message, before: { version: before } });
          throw err;
        }
      },
      privacy,
      suppressions: checks.suppressions,
      retention,
      log,
      metrics,
      async close() {
        if (closed) return;
        closed = true;
        await Promise.all([app.close(), adminApp.close()]);
        retention.stop();
        await touches.close();
        await loader.stop();
        await loader.flush().catch((err: Error) => log('final load failed; rows stay in the spool', { error: err.message }));
        await pathsRefresh?.stop();
        await activation.close();
        await spool.close();
        await warehouse.close();
        stopPruning();
        people.close();
      },
    };
  } catch (err) {
    // The start's own failure is what the caller needs; closing what opened is best effort.
    for (const close of opened.reverse()) await close().catch(() => undefined);
    throw err;
  }
}

/** The admin listener's OAuth callback as a browser on this host reaches it (an account's `oauth.redirectUri` overrides it). */
function callbackUri(config: Config): string {
  const host = config.admin.host === '0.0.0.0' || config.admin.host === '::' ? '127.0.0.1' : config.admin.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.admin.port}${OAUTH_CALLBACK_PATH}`;
}

/** What the two apps serve. */
interface AppParts {
  readonly warehouse: Warehouse;
  readonly sources: SourceRegistry;
  readonly spool: Spool;
  readonly loader: Loader;
  readonly ingest: Ingest;
  readonly tracker: TrackerEndpoint | undefined;
  readonly activation: Activation;
  readonly derived: DerivedModel;
  readonly people: People;
  readonly approvals: Approvals;
  readonly now: () => Date;
  rotateAdminToken(): Promise<string>;
  readiness(): Promise<Record<string, string | null>>;
  readonly live: LiveTap;
  readonly rollups: DashboardRollups;
  readonly connections: Connections;
  readonly metrics: Metrics;
  readonly plans: PlanHolder;
  readonly privacy: PrivacyRequests;
  readonly checks: PrivacyChecks;
  readonly retention: RetentionJob;
  readonly alerts: { status(): AlertStatus };
  readonly storedPaths: StoredPaths | undefined;
}

/** The public app (collector, tracker) and the admin app (one route table, one guard). */
async function buildApps(config: Config, p: AppParts, log: Log): Promise<{ app: FastifyInstance; adminApp: FastifyInstance }> {
  const app = await buildCollectorApp({
    tracking: { ingest: p.ingest, sources: p.sources, now: p.now, maxEventBytes: config.limits.maxEventBytes, maxBatchBytes: config.limits.maxBatchBytes },
    routes: p.tracker ? [p.tracker.routes] : [],
    spool: p.spool,
    trustProxy: config.ip.trustProxy,
    retryAfterSeconds: config.spool.retryAfterSeconds,
    limits: listenerLimits(config, config.limits.maxConnections),
    siteOrigins: siteOrigins({ siteDomains: config.tracker.siteDomains, allowedOrigins: config.cors.allowedOrigins }),
    log,
    metrics: p.metrics,
  });
  // The admin API, one table: the guard asks the one policy about each route's action.
  const adminRoutes: AdminRoute[] = [
    ...pipelineRoutes({
      warehouse: p.warehouse, sources: p.sources, spool: p.spool, loader: p.loader, derived: p.derived, startedAt: p.now(),
      privacy: () => ({ suppressedRequests: p.checks.suppressions.list().length, droppedAtIngest: p.checks.suppressions.dropped.ingest, skippedBySyncs: p.checks.suppressions.dropped.sync }),
      retention: () => p.retention.last(),
      alerts: p.alerts.status,
    }),
    ...attributionRoutes(attributeHandler(p.warehouse, config, p.derived, p.storedPaths)),
    ...syncRoutes({ syncs: p.activation.syncs, forwardingStatus: p.activation.forwardingStatus, gateFor: (r, asked) => p.approvals.gateFor(partyOf(actorOf(r)), asked) }),
    ...approvalRoutes(p.approvals),
    ...connectionRoutes(p.connections),
    ...peopleRoutes({ people: p.people, now: p.now, rotateAdminToken: p.rotateAdminToken }),
    ...dashboardRoutes({ warehouse: p.warehouse, config, now: p.now, live: p.live, rollups: p.rollups, model: p.derived.sql }),
    ...metricsRoutes(p.metrics),
    ...planRoutes({
      warehouse: p.warehouse, plans: p.plans, ingest: p.ingest, now: p.now, newRequestId: randomUUID,
      modesOf: (id) => modesOf(config.plans, p.sources.list().find((s) => s.id === id)?.name),
      sourceId: (nameOrId) => p.sources.list().find((s) => s.id === nameOrId || s.name === nameOrId)?.id,
    }),
    ...utmRoutes({ warehouse: p.warehouse, rules: compileUtmRules(config.attribution.utm ?? UtmRulesSchema.parse({})), now: p.now }),
    ...privacyRoutes({ privacy: p.privacy, suppressions: p.checks.suppressions, hash: p.checks.hash }),
  ];
  // The guard and the dashboard's sign-in both check tokens through the people's AdminAuth.
  const auth = adminAuth(p.people);
  const sessions = createSessionStore({ now: () => p.now().getTime() });
  const assets = await loadDashboardAssets();
  const adminApp = buildAdminApp({
    routes: adminRoutes,
    guard: policyGuard(p.people, log),
    readiness: p.readiness,
    unguarded: [
      (a) => registerSessionRoutes(a, auth, sessions, () => p.now().getTime(), { audit: signInAudit(p.people, log) }),
      (a) => registerDashboardAssets(a, assets),
      (a) => registerOAuthCallback(a, p.connections, p.people.audit),
    ],
    limits: listenerLimits(config, config.admin.maxConnections),
    retryAfterSeconds: config.spool.retryAfterSeconds,
    log,
    metrics: p.metrics,
    publicRoutes: () => routeTable(app),
  });
  return { app, adminApp };
}

/** Both listeners, or (in process, for tests and imports) neither. */
async function openListeners(config: Config, app: FastifyInstance, adminApp: FastifyInstance, listening: boolean): Promise<{ url: string; adminUrl: string }> {
  if (!listening) {
    await Promise.all([app.ready(), adminApp.ready()]);
    return { url: `http://127.0.0.1:${config.port}`, adminUrl: `http://127.0.0.1:${config.admin.port}` };
  }
  const url = await listenNamed(app, { host: config.host, port: config.port, maxConnections: config.limits.maxConnections }, 'port / host (TOUCHLINE_PORT, --port)');
  try {
    const adminUrl = await listenNamed(adminApp, { host: config.admin.host, port: config.admin.port, maxConnections: config.admin.maxConnections }, 'admin.port / admin.host (TOUCHLINE_ADMIN_PORT, --admin-port)');
    return { url, adminUrl };
  } catch (err) {
    await app.close();
    throw err;
  }
}

/** Listens; an address in use or not allowed is a configuration problem, named as one. */
async function listenNamed(app: FastifyInstance, at: { host: string; port: number; maxConnections: number }, keys: string): Promise<string> {
  try {
    return await listen(app, at);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      const why = code === 'EADDRINUSE' ? 'is in use (is another Touchline running?)' : code === 'EACCES' ? 'is not allowed for this user' : 'is not an address of this machine';
      throw new ConfigError(`${at.host}:${at.port} ${why}: set ${keys}`, { cause: err });
    }
    throw err;
  }
}
