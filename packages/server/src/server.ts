import { userInfo } from 'node:os';
import { privacyRoutes } from './admin/privacy-routes.js';
import { openPrivacyChecks, type PrivacyChecks } from './privacy/privacy.js';
import { eventRedaction, failedRedaction, urlRedaction } from './privacy/privacy-config.js';
import { shareSuppressions, type SharedSuppressions } from './privacy/shared-suppressions.js';
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
import { spendRoutes } from './admin/spend-routes.js';
import { demoRoutes } from './admin/demo-routes.js';
import { serverSpendPulls } from './spend/pull/pull-service.js';
import type { SpendPulls } from './spend/pull/pull-schedule.js';
import { createApprovals, type Approvals } from './approvals/approvals.js';
import { partyOf } from './approvals/same-person.js';
import { SCHEDULER } from './approvals/approval-record.js';
import { auditEnvironmentsAtStart } from './approvals/environments-at-start.js';
import { configRequester, forwardingApprovals, rulesAtStart } from './approvals/forwarding-rules.js';
import { actorOf } from './admin/admin-route.js';
import { startAlerts } from './alerts/start-alerts.js';
import type { AlertStatus } from './alerts/alerter.js';
import { attributeHandler } from './attribute/admin-attribute.js';
import { createStoredPaths, type StoredPaths } from './attribute/stored-paths.js';
import { markStaleOnCampaignChange } from './attribute/stored-paths-campaigns.js';
import { scheduleStoredPathsRefresh, withStoredPathsRefresh, type StoredPathsRefresh } from './attribute/stored-paths-refresh.js';
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
import { loadSecrets, rewriteSecrets, type StoredSecrets } from './data-dir/secrets.js';
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
  /** The suppression lists this collector shares with the others of its warehouse (src/privacy/shared-suppressions.ts). */
  readonly sharedSuppressions: SharedSuppressions;
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
  /** Time and timers of the spool, the derived model, the jobs (activation included) and (unless `now` is given) the collector; tests advance one. @defaultValue the system clock */
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

/** A closer of what a start step opened: run in reverse when a later step fails. */
type Closer = () => Promise<unknown>;

/** What every start step reads: the config, the options, time, the data dir, the log and the stored secrets. */
interface StartBase {
  readonly config: Config;
  readonly options: StartOptions;
  readonly clock: Clock;
  readonly now: () => Date;
  readonly dataDir: string;
  readonly stored: StoredSecrets;
  readonly log: Log;
  /** The admin token as it is now (a rotation changes it), and what the log must keep out of its lines. */
  readonly token: { current: string };
  readonly logSecrets: { sources?: SourceRegistry; connections?: Connections };
}

/** The data dir (private), the stored secrets, and a log that keeps every secret out of its lines. */
async function openBase(config: Config, options: StartOptions): Promise<StartBase> {
  const clock = options.clock ?? systemClock;
  const dataDir = resolve(config.dataDir);
  const sink = options.log ?? jsonSink();
  // The log keeps the admin token out of its lines, and the token is in the data dir: open it first.
  await openDataDir(config, dataDir, createLog({ level: config.log.level, sink }));
  const stored = await loadSecrets(dataDir);
  const token = { current: config.adminToken ?? stored.secrets.adminToken };
  const logSecrets: StartBase['logSecrets'] = {};
  const log = createLog({
    level: config.log.level,
    sink,
    secrets: () => [token.current, ...(logSecrets.sources?.list().map((s) => s.writeKey) ?? []), ...configCredentials(config).values, ...(logSecrets.connections?.secrets() ?? [])],
  });
  for (const key of configCredentials(config).literals) log(`${key} holds a literal credential: write env:NAME or file:/path instead (docs/activation.md, "Secrets")`);
  if (log.level === 'debug') log('log.level is debug: log lines may carry event contents, e-mail and IP addresses, tokens and row contents; use info in production');
  return { config, options, clock, now: options.now ?? (() => dateOf(clock)), dataDir, stored, log, token, logSecrets };
}

/** The global fetch as destinations take it, unless a test gives its own. */
const fetchOf = (options: StartOptions): FetchLike => options.fetch ?? (globalThis.fetch as unknown as FetchLike);

/** The control store (people, grants, suppressions) and the warehouse, before anything else opens. */
interface Control {
  readonly people: People;
  readonly peopleClock: ReturnType<typeof systemPeopleClock>;
  readonly connections: Connections;
  readonly warehouse: Warehouse;
  readonly metrics: Metrics;
  readonly checks: PrivacyChecks;
  readonly stopPruning: () => void;
}

/** The control store first: a policy section it cannot use stops the start before anything opens. */
async function openControl(b: StartBase): Promise<Control> {
  const { config, stored, log } = b;
  const peopleClock = systemPeopleClock(b.now);
  const people = openPeople({
    dataDir: b.dataDir, pepper: stored.secrets.tokenPepper, adminToken: () => b.token.current,
    policyConfig: flattenPolicyConfig(config.policy), clock: peopleClock,
  });
  // One registry per server: tests run several in one process.
  const metrics = createMetrics();
  try {
    // Destination grants live beside the people, in the control store (migration 4).
    const connections = openConnections({
      db: people.store.db, grantKey: stored.secrets.grantKey, destinations: config.destinations,
      fetch: fetchOf(b.options), clock: b.clock, logger: loggerFrom(log), defaultRedirectUri: callbackUri(config),
      reporting: Object.values(config.spend.pull.connections).flatMap((x) => (x.connection !== undefined ? [x.connection] : [])),
    });
    b.logSecrets.connections = connections;
    await auditAtStart(people, b.dataDir, flattenPolicyConfig(config.policy), log);
    auditEnvironmentsAtStart(people.store.db, people.audit, config, log);
    // The suppression list (control store), checked at ingest, by the loader, by syncs and forwarding.
    // Keyed with the deployment's shared secret when set, so every collector's hashes match.
    const checks = openPrivacyChecks(people.store.db, config.privacy.suppressionKey ?? stored.secrets.tokenPepper);
    if (config.warehouse.engine === 'clickhouse' && config.privacy.suppressionKey === undefined) {
      log('privacy.suppressionKey is not set: other collectors of this warehouse will not recognise the persons deleted through this one (docs/governance.md, "Several collectors")');
    }
    const warehouse = meteredWarehouse(await openWarehouse(config.warehouse, b.dataDir), metrics);
    return { people, peopleClock, connections, warehouse, metrics, checks, stopPruning: scheduleAuditPrune(people, log, b.clock) };
  } catch (err) {
    people.close();
    throw err;
  }
}

/** What the loader and the apps read: sources, the spool, the derived model and the dashboard's stores. */
interface Storage {
  readonly sources: SourceRegistry;
  readonly defaultSource: DefaultSource;
  readonly spool: Spool;
  readonly dedupWindowMs: number;
  readonly derived: DerivedModel;
  readonly rollups: DashboardRollups;
  readonly storedPaths: StoredPaths | undefined;
  /** The stored paths' refresh, on a listening DuckDB server. */
  readonly pathsRefresh: StoredPathsRefresh | undefined;
}

/** Migrates the warehouse, then opens the sources, the spool and what is derived from the raw tables. */
async function openStorage(b: StartBase, c: Control, opened: Closer[]): Promise<Storage> {
  const { config, log, clock } = b;
  const { warehouse } = c;
  await warehouse.migrate();
  const sources = await openSourceRegistry(warehouse, b.now);
  b.logSecrets.sources = sources;
  const defaultSource = await ensureDefaultSource(sources, config.writeKey);
  if (defaultSource.from === 'revoked') log(revokedKeyAdvice(defaultSource));
  const o = b.options;
  const spool = await openRecoveredSpool(config, b.dataDir, await warehouse.checkpoint(b.stored.secrets.collectorId), { clock, log, format: o.spoolRecordFormat, commitSlots: o.spoolCommitSlots, io: o.spoolIO });
  opened.push(() => spool.close());
  // Identity, sessions, touches, conversions, persons: derived from the raw tables, refreshed per load.
  const derived = createDerivedModel(warehouse, config, log, clock);
  const { sessionsRebuilt } = await derived.ensure();
  // The dashboard's daily rollups (DuckDB), refreshed after each load like the sessions.
  const rollups = createRollups(warehouse, derived.sql, log);
  await rollups.ensure(sessionsRebuilt);
  // The attribution page's conversion paths (DuckDB), per filter combination; ClickHouse builds them per request.
  const storedPaths = warehouse.engine === 'duckdb' ? createStoredPaths(warehouse, b.now) : undefined;
  if (storedPaths && sessionsRebuilt) await storedPaths.clear();
  // Only a listening server refreshes them on a schedule; tests call refreshStale themselves.
  const pathsRefresh = storedPaths && o.listen !== false
    ? scheduleStoredPathsRefresh({ paths: storedPaths, clock, log, markStale: () => markStaleOnCampaignChange(warehouse), prebuild: () => prebuildPaths(warehouse, config, { models: MODEL_NAMES, level: 'channel' }, storedPaths, { sessionsFresh: () => derived.sessionsFresh() }) })
    : undefined;
  opened.push(async () => pathsRefresh?.stop());
  return { sources, defaultSource, spool, dedupWindowMs: config.dedup.windowHours * 3600 * 1000, derived, rollups, storedPaths, pathsRefresh };
}

/** The background work: approvals, activation (syncs, forwarding), the loader, retention and alerts. */
interface Jobs {
  readonly approvals: Approvals;
  readonly activation: Activation;
  readonly loader: Loader;
  readonly retention: RetentionJob;
  readonly alerts: { status(): AlertStatus; close(): Promise<void> };
  readonly spendPulls: SpendPulls;
  readonly sharedSuppressions: SharedSuppressions;
}

/** Starts the jobs; only a listening server schedules syncs (an in-process Touchline, `touchline import`, does not). */
async function startJobs(b: StartBase, c: Control, s: Storage, opened: Closer[]): Promise<Jobs> {
  const { config, log, clock } = b;
  const { people, warehouse } = c;
  // Two-person approval of risky sends, over the control store (src/approvals/); it starts approved runs once activation has started.
  let activationRef: Activation | undefined;
  // Forwarding rules new or changed since their approval wait for one (docs/governance.md, "Forwarding rules").
  const ruleApprovals = forwardingApprovals({ db: people.store.db, audit: people.audit, clock: c.peopleClock, policy: people.policy, requester: configRequester(osUserName()) });
  ruleApprovals.requestAtStart(rulesAtStart(config));
  const approvals = createApprovals({
    db: people.store.db, audit: people.audit, clock: c.peopleClock, policy: people.policy, log,
    run: (name, o) => (activationRef ? activationRef.syncs.run(name, o) : Promise.reject(new Error('activation has not started'))),
    onForwardingRuleApproved: () => activationRef?.forwardingApproved(),
  });
  const activation = await startActivation({
    config, warehouse, dataDir: b.dataDir, log, clock, schedule: b.options.listen !== false, ...(b.options.fetch ? { fetch: b.options.fetch } : {}), auth: c.connections.auth, suppressed: c.checks.record,
    scheduledGate: approvals.gateFor(SCHEDULER, { forced: false, full: false }),
    onRunEnded: (run) => c.metrics.countSyncRun(run),
    forwardingApproval: ruleApprovals.state,
  });
  activationRef = activation;
  const loader = createLoader({
    collectorId: b.stored.secrets.collectorId, spool: s.spool, warehouse: withStoredPathsRefresh(withRollupRefresh(withDerivedRefresh(warehouse, s.derived), s.rollups), s.pathsRefresh),
    dedupWindowMs: s.dedupWindowMs, minIntervalMs: config.loader.minIntervalMs, log, beforeLoad: activation.beforeLoad, clock, dropRow: c.checks.row,
  });
  opened.push(() => activation.close());
  // The retention policy (docs/governance.md, "Retention"): at start and every 6 h.
  const retention = scheduleRetention({ warehouse, settings: () => people.policy().retention, clock, log });
  opened.push(async () => retention.stop());
  // Every collector of the warehouse drops the persons deleted through any of them.
  const sharedSuppressions = shareSuppressions({ warehouse, list: c.checks.suppressions, collectorId: b.stored.secrets.collectorId, clock, everyMs: config.privacy.suppressionPollMs, log });
  opened.push(async () => (sharedSuppressions.stop(), sharedSuppressions.idle()));
  const alerts = startAlerts({ config: config.alerts, source: activation, fetch: fetchOf(b.options), clock, logger: loggerFrom(log) });
  opened.push(() => alerts.close());
  // Ad spend from the networks' reporting APIs (docs/spend.md): on demand, and by spend.pull.schedule when listening.
  const spendPulls = serverSpendPulls({
    spend: config.spend, warehouse, clock, log, auth: c.connections.auth, schedule: b.options.listen !== false,
    fetch: (b.options.fetch as typeof globalThis.fetch | undefined) ?? globalThis.fetch,
  });
  opened.push(() => spendPulls.close());
  loader.start();
  opened.push(() => loader.stop());
  return { approvals, activation, loader, retention, alerts, spendPulls, sharedSuppressions };
}

/** The two doors' parts: the touch store, the tracking plan, the ingest and the tracker endpoint. */
interface Doors {
  readonly touches: Awaited<ReturnType<typeof openTouchStore>>;
  readonly plans: PlanHolder;
  readonly live: LiveTap;
  readonly ingest: Ingest;
  readonly tracker: TrackerEndpoint | undefined;
}

/** Opens the touch store and the tracking plan, then each door's ingest over the spool. */
async function openDoors(b: StartBase, c: Control, s: Storage, opened: Closer[]): Promise<Doors> {
  const { config } = b;
  // Touches are computed from the page before ingest: redacted as they enter the store.
  const redactTouchUrl = urlRedaction(config.privacy);
  const touches = await openTouchStore({
    config: config.tracker, dataDir: b.dataDir, warehouseEngine: config.warehouse.engine,
    ...(config.warehouse.engine === 'clickhouse' ? { clickhouse: config.warehouse.clickhouse } : {}),
    clock: b.clock, log: b.log,
    ...(redactTouchUrl ? { redactUrl: redactTouchUrl } : {}),
  });
  opened.push(() => touches.close());
  // The tracking plan: loaded now (a plan that does not load stops the start, saying why).
  const plans = await openPlanHolder(config.plans.path);
  const sourceName = (id: string) => s.sources.list().find((x) => x.id === id)?.name;
  const redact = eventRedaction(config.privacy);
  const redactFailed = failedRedaction(config.privacy);
  const ingestDeps = {
    ...ingestDepsOf(config, s.spool, s.dedupWindowMs), plans: createPlanGate(plans.current, config.plans, sourceName), suppressed: c.checks.event,
    ...(redact ? { redact } : {}), ...(redactFailed ? { redactFailed } : {}),
  };
  // Every door stamps each event with its visitor's touches; the tracker endpoint does it itself,
  // under its cookie's visitor id, so its ingest does not.
  // The dashboard's live view reads both doors through one sampled tap, after each answer.
  const live = createLiveTap({ now: () => b.clock.now() });
  const stamping = createTouchStamping(touches.store, touchRulesOf(config.tracker), config.attribution.identity.junkIds);
  const ingest = live.wrap(meteredIngest(createIngest({ ...ingestDeps, touches: stamping }), c.metrics));
  const tracker = config.tracker.enabled
    ? await openTrackerEndpoint({ config: config.tracker, store: touches.store, ingest: live.wrap(meteredIngest(createIngest(ingestDeps), c.metrics)), sources: s.sources, maxBatchBytes: config.limits.maxBatchBytes, now: b.now })
    : undefined;
  return { touches, plans, live, ingest, tracker };
}

/** A new admin token, kept in the data dir (refused when the config supplies it). */
async function rotateAdminToken(b: StartBase): Promise<string> {
  if (b.config.adminToken !== undefined) throw new ClientError(409, 'conflict', 'the admin token comes from adminToken / TOUCHLINE_ADMIN_TOKEN: change it there and restart');
  const next = randomBytes(24).toString('base64url');
  await rewriteSecrets(b.stored.file, { ...b.stored.secrets, adminToken: next });
  b.token.current = next;
  await b.options.onAdminTokenRotated?.(next);
  return next;
}

/** What `/readyz` reports: null for a part that answers, else why not. */
function readinessOf(b: StartBase, warehouse: Warehouse): () => Promise<Record<string, string | null>> {
  return async () => ({
    spool: await access(join(b.dataDir, 'spool'), fsConstants.W_OK).then(() => null, (err: Error) => err.message),
    warehouse: await warehouse.query('select 1').then(() => null, (err: Error) => err.message),
  });
}

/** Every part the apps serve, from the start's steps. */
function appPartsOf(b: StartBase, c: Control, s: Storage, j: Jobs, d: Doors): AppParts {
  const privacy = privacyRequests({
    warehouse: c.warehouse, touchStore: d.touches.store, db: c.people.store.db, hash: c.checks.hash, suppressions: c.checks.suppressions, now: b.now,
    newId: () => `prv_${randomBytes(8).toString('hex')}`, settle: () => j.loader.flush(),
  });
  return {
    warehouse: c.warehouse, sources: s.sources, spool: s.spool, loader: j.loader, ingest: d.ingest, tracker: d.tracker, activation: j.activation, derived: s.derived,
    people: c.people, approvals: j.approvals, now: b.now, rotateAdminToken: () => rotateAdminToken(b), readiness: readinessOf(b, c.warehouse), live: d.live,
    rollups: s.rollups, connections: c.connections, metrics: c.metrics, plans: d.plans, privacy, checks: c.checks, retention: j.retention, alerts: j.alerts, storedPaths: s.storedPaths, spendPulls: j.spendPulls,
  };
}

/**
 * The composition root: opens each part in dependency order (data dir and log, control store and
 * warehouse, storage, jobs, doors, apps, listeners) and closes what it opened, in reverse, if a
 * later step fails.
 */
export async function startTouchline(config: Config, options: StartOptions = {}): Promise<Touchline> {
  const b = await openBase(config, options);
  const c = await openControl(b);
  // What is open so far, closed in reverse if the start fails part way (a port in use…).
  const opened: Closer[] = [async () => (c.stopPruning(), c.people.close()), () => c.warehouse.close()];
  try {
    const s = await openStorage(b, c, opened);
    const j = await startJobs(b, c, s, opened);
    const d = await openDoors(b, c, s, opened);
    const countVisitors = d.touches.store.count?.bind(d.touches.store);
    c.metrics.watch({ spool: () => s.spool.stats(), loader: () => j.loader.stats(), ...(countVisitors ? { touchStoreVisitors: countVisitors } : {}) });
    const parts = appPartsOf(b, c, s, j, d);
    const { app, adminApp } = await buildApps(config, parts, b.log);
    const urls = await openListeners(config, app, adminApp, options.listen !== false);
    return touchlineOf(b, { c, s, j, d, privacy: parts.privacy, app, adminApp, ...urls });
  } catch (err) {
    // The start's own failure is what the caller needs; closing what opened is best effort.
    for (const close of opened.reverse()) await close().catch(() => undefined);
    throw err;
  }
}

/** Everything the start opened, as `touchlineOf` hands it out. */
interface Started {
  readonly c: Control;
  readonly s: Storage;
  readonly j: Jobs;
  readonly d: Doors;
  readonly privacy: PrivacyRequests;
  readonly app: FastifyInstance;
  readonly adminApp: FastifyInstance;
  readonly url: string;
  readonly adminUrl: string;
}

/** The running Touchline the caller gets: its parts, the plan reload and the shutdown. */
function touchlineOf(b: StartBase, p: Started): Touchline {
  const { c, s, j, d } = p;
  const { config, stored } = b;
  return {
    app: p.app, adminApp: p.adminApp, url: p.url, adminUrl: p.adminUrl,
    writeKey: s.defaultSource.writeKey,
    get adminToken() {
      return b.token.current;
    },
    people: c.people,
    approvals: j.approvals,
    credentials: {
      adminToken: { from: config.adminToken ? 'configured' : stored.generated ? 'generated' : 'data-dir', file: stored.file },
      writeKey: s.defaultSource,
    },
    collectorId: stored.secrets.collectorId,
    warehouse: c.warehouse, spool: s.spool, loader: j.loader, sources: s.sources, ingest: d.ingest, touchStore: d.touches.store,
    activation: j.activation, derived: s.derived, plans: d.plans,
    reloadPlan: (trigger) => reloadPlan(config, d.plans, c.people, trigger),
    privacy: p.privacy, suppressions: c.checks.suppressions, sharedSuppressions: j.sharedSuppressions, retention: j.retention, log: b.log, metrics: c.metrics,
    close: once(() => closeTouchline(b, p)),
  };
}

/** Reads the plan file again, recorded in the audit log (or failed: the plan in force stays). */
async function reloadPlan(config: Config, plans: PlanHolder, people: People, trigger: string): Promise<PlanReload | null> {
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
}

/** Runs `f` the first time; later calls resolve at once (closing twice is not an error). */
function once(f: () => Promise<void>): () => Promise<void> {
  let done = false;
  return async () => {
    if (done) return;
    done = true;
    await f();
  };
}

/** Stops accepting, loads what is spooled, and closes every part, the control store last. */
async function closeTouchline(b: StartBase, p: Started): Promise<void> {
  const { c, s, j, d } = p;
  await Promise.all([p.app.close(), p.adminApp.close()]);
  j.retention.stop();
  j.sharedSuppressions.stop();
  await j.sharedSuppressions.idle();
  await d.touches.close();
  await j.loader.stop();
  await j.loader.flush().catch((err: Error) => b.log('final load failed; rows stay in the spool', { error: err.message }));
  await s.pathsRefresh?.stop();
  // A pull under way writes to the warehouse: it ends before the warehouse closes.
  await j.spendPulls.close();
  await j.activation.close();
  await s.spool.close();
  await c.warehouse.close();
  c.stopPruning();
  c.people.close();
}

/** Who started this server, as the OS knows them (some containers have no passwd entry). */
function osUserName(): string {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry: the approval request names the config file without a user.
    return '';
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
  readonly spendPulls: SpendPulls;
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
    ...(failedRedaction(config.privacy) ? { redactFailed: failedRedaction(config.privacy)! } : {}),
  });
  // The admin API, one table: the guard asks the one policy about each route's action.
  const adminRoutes: AdminRoute[] = [
    ...pipelineRoutes({
      warehouse: p.warehouse, sources: p.sources, spool: p.spool, loader: p.loader, derived: p.derived, startedAt: p.now(), now: p.now,
      privacy: () => ({ suppressedRequests: p.checks.suppressions.list().length, droppedAtIngest: p.checks.suppressions.dropped.ingest, skippedBySyncs: p.checks.suppressions.dropped.sync }),
      retention: () => p.retention.last(),
      alerts: p.alerts.status,
    }),
    ...attributionRoutes(attributeHandler(p.warehouse, config, p.derived, p.storedPaths)),
    ...syncRoutes({ syncs: p.activation.syncs, forwardingStatus: p.activation.forwardingStatus, gateFor: (r, asked) => p.approvals.gateFor(partyOf(actorOf(r)), asked) }),
    ...approvalRoutes(p.approvals),
    ...demoRoutes({ warehouse: p.warehouse, now: p.now }),
    ...spendRoutes(p.spendPulls, () => [...new Set(Object.values(config.spend.pull.connections).map((x) => x.network))], { warehouse: p.warehouse, now: p.now }),
    ...connectionRoutes(p.connections),
    ...peopleRoutes({ people: p.people, now: p.now, rotateAdminToken: p.rotateAdminToken }),
    ...dashboardRoutes({ warehouse: p.warehouse, config, now: p.now, live: p.live, rollups: p.rollups, model: p.derived.sql }),
    ...metricsRoutes(p.metrics),
    ...planRoutes({
      warehouse: p.warehouse, plans: p.plans, ingest: p.ingest, now: p.now, newRequestId: randomUUID,
      modesOf: (id) => modesOf(config.plans, p.sources.list().find((s) => s.id === id)?.name),
      sourceId: (nameOrId) => p.sources.list().find((s) => s.id === nameOrId || s.name === nameOrId)?.id,
    }),
    ...utmRoutes({ warehouse: p.warehouse, rules: compileUtmRules(config.attribution.utm ?? UtmRulesSchema.parse({})), now: p.now, model: p.derived.sql }),
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
