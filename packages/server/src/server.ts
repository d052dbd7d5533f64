import type { FetchLike } from '@touchline/destinations';
import type { FastifyInstance } from 'fastify';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { registerActivationRoutes } from './activation/admin-routes.js';
import { startActivation, type Activation } from './activation/activation.js';
import { buildCollectorApp } from './collector/app.js';
import { createRecentIds } from './collector/dedup.js';
import { createIngest, type Ingest } from './collector/ingest.js';
import { createUserAgentParser } from './collector/user-agent.js';
import type { Config } from './config/config.js';
import { createLoader, type Loader } from './loader/loader.js';
import { openSourceRegistry, type SourceRegistry } from './sources/sources.js';
import { openSpool, type Spool } from './spool/spool.js';
import { openWarehouse } from './warehouse/open-warehouse.js';
import type { Warehouse } from './warehouse/warehouse.js';
import { attributeHandler } from './attribution/admin-attribute.js';
import { createDerivedModel, type DerivedModel } from './identity/derived-model.js';
import { withDerivedRefresh } from './identity/refresh-on-load.js';
import { openTrackerEndpoint, touchRulesOf } from './tracker-endpoint/open-tracker-endpoint.js';
import { openTouchStore, type OpenTouchStore } from './tracker-endpoint/open-touch-store.js';
import type { TouchStore } from './tracker-endpoint/touch-store.js';
import { createTouchStamping } from './tracker-endpoint/visitor-stamps.js';

/** A running Touchline: collector, spool, loader and warehouse, composed. */
export interface Touchline {
  readonly app: FastifyInstance;
  readonly url: string;
  readonly writeKey: string;
  readonly adminToken: string;
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
  /** Stops accepting, loads what is spooled, and closes everything. */
  close(): Promise<void>;
}

interface Secrets {
  adminToken: string;
  collectorId: string;
}

/** Generated once per data dir and kept there, so restarts keep their tokens. */
async function loadSecrets(dataDir: string): Promise<Secrets> {
  const file = join(dataDir, 'secrets.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Secrets;
  } catch {
    const s: Secrets = { adminToken: randomBytes(24).toString('base64url'), collectorId: `col_${randomBytes(6).toString('hex')}` };
    await writeFile(file, JSON.stringify(s, null, 2) + '\n', { mode: 0o600 });
    return s;
  }
}

export function dataPath(config: Config, p: string): string {
  return isAbsolute(p) ? p : join(resolve(config.dataDir), p);
}

export interface StartOptions {
  /** Listen on the configured port (false: in-process only, for tests). @defaultValue true */
  readonly listen?: boolean;
  readonly now?: () => Date;
  readonly log?: (msg: string, fields?: Record<string, unknown>) => void;
  /** HTTP client for destinations (activation). @defaultValue the global fetch */
  readonly fetch?: FetchLike;
}

export async function startTouchline(config: Config, options: StartOptions = {}): Promise<Touchline> {
  const now = options.now ?? (() => new Date());
  const log = options.log ?? ((msg, fields) => console.error(`touchline: ${msg}`, fields ? JSON.stringify(fields) : ''));
  const dataDir = resolve(config.dataDir);
  await mkdir(dataDir, { recursive: true });
  const secrets = await loadSecrets(dataDir);
  const adminToken = config.adminToken ?? secrets.adminToken;

  const warehouse = await openWarehouse(config, dataDir);
  let touches: OpenTouchStore | undefined;
  try {
    await warehouse.migrate();
    const sources = await openSourceRegistry(warehouse, now);
    const writeKey = await ensureDefaultSource(sources, config.writeKey);

    const checkpoint = await warehouse.checkpoint(secrets.collectorId);
    const { spool, recoveredDropped } = await openSpool(
      {
        dir: join(dataDir, 'spool'),
        maxBytes: config.spool.maxBytes,
        segmentBytes: config.spool.segmentBytes,
        rollIntervalMs: config.spool.rollIntervalMs,
      },
      checkpoint,
    );
    if (recoveredDropped > 0) log('cut unacknowledged partial rows from an interrupted spool segment', { rows: recoveredDropped });
    const dedupWindowMs = config.dedup.windowHours * 3600 * 1000;
    // Identity, sessions, touches, conversions, persons: derived from the raw tables, refreshed per load.
    const derived = createDerivedModel(warehouse, config, log);
    await derived.ensure();
    // Only a listening server schedules syncs; an in-process Touchline (touchline import) does not.
    const activation = await startActivation({
      config, warehouse, dataDir, log, schedule: options.listen !== false, ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    const loader = createLoader({
      collectorId: secrets.collectorId,
      spool,
      warehouse: withDerivedRefresh(warehouse, derived),
      dedupWindowMs,
      minIntervalMs: config.loader.minIntervalMs,
      log,
      beforeLoad: activation.beforeLoad,
    });
    loader.start();

    touches = await openTouchStore({
      config: config.tracker,
      dataDir,
      warehouseEngine: config.warehouse.engine,
      ...(config.warehouse.engine === 'clickhouse' ? { clickhouse: config.warehouse.clickhouse } : {}),
      now,
      log,
    });
    const ingestDeps = {
      spool,
      recent: createRecentIds(config.dedup.memoryEntries, Math.min(dedupWindowMs, 10 * 60 * 1000)),
      parseUserAgent: createUserAgentParser(),
      newMessageId: randomUUID,
      ipTruncation: config.ip.truncate,
      maxEventBytes: config.limits.maxEventBytes,
    };
    // Every door stamps each event with its visitor's touches; the tracker endpoint does it itself,
    // under its cookie's visitor id, so its ingest does not.
    const ingest = createIngest({ ...ingestDeps, touches: createTouchStamping(touches.store, touchRulesOf(config.tracker), config.attribution.identity.junkIds) });
    const tracker = config.tracker.enabled
      ? await openTrackerEndpoint({ config: config.tracker, store: touches.store, ingest: createIngest(ingestDeps), sources, maxBatchBytes: config.limits.maxBatchBytes, now })
      : undefined;
    const app = await buildCollectorApp({
      tracking: {
        ingest,
        sources,
        now,
        maxEventBytes: config.limits.maxEventBytes,
        maxBatchBytes: config.limits.maxBatchBytes,
      },
      admin: { adminToken, warehouse, sources, spool, loader, startedAt: now(), attribute: attributeHandler(warehouse, config, derived) },
      tracker: tracker?.routes,
      spool,
      trustProxy: config.ip.trustProxy,
      retryAfterSeconds: config.spool.retryAfterSeconds,
      log,
    });
    registerActivationRoutes(app, { adminToken, syncs: activation.syncs, forwardingStatus: activation.forwardingStatus });
    let url = `http://localhost:${config.port}`;
    if (options.listen !== false) {
      const address = await app.listen({ port: config.port, host: config.host });
      const port = new URL(address).port;
      url = `http://localhost:${port}`;
    } else {
      await app.ready();
    }

    let closed = false;
    return {
      app,
      url,
      writeKey,
      adminToken,
      collectorId: secrets.collectorId,
      warehouse,
      spool,
      loader,
      sources,
      ingest,
      touchStore: touches.store,
      activation,
      derived,
      async close() {
        if (closed) return;
        closed = true;
        await app.close();
        await touches?.close();
        await loader.stop();
        await loader.flush().catch((err: Error) => log('final load failed; rows stay in the spool', { error: err.message }));
        await activation.close();
        await spool.close();
        await warehouse.close();
      },
    };
  } catch (err) {
    await touches?.close().catch(() => undefined);
    await warehouse.close().catch(() => undefined);
    throw err;
  }
}

/** The `default` source exists and has the configured write key (or a generated one). */
async function ensureDefaultSource(sources: SourceRegistry, writeKey: string | undefined): Promise<string> {
  if (writeKey) {
    const owner = sources.byWriteKey(writeKey);
    if (owner) return writeKey;
    const name = sources.list().some((s) => s.name === 'default') ? `default-${randomBytes(3).toString('hex')}` : 'default';
    return (await sources.create(name, writeKey)).writeKey;
  }
  const existing = sources.list().find((s) => s.name === 'default' && !s.revokedAt);
  if (existing) return existing.writeKey;
  return (await sources.create(sources.list().some((s) => s.name === 'default') ? `default-${randomBytes(3).toString('hex')}` : 'default')).writeKey;
}
