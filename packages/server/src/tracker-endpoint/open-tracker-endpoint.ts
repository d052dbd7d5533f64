import { randomUUID } from 'node:crypto';
import { isAbsolute, join } from 'node:path';
import type { Ingest } from '../collector/ingest.js';
import type { SourceRegistry } from '../sources/sources.js';
import { loadTrackerScript } from './script-asset.js';
import type { ClickHouseConnectionOptions } from '../warehouse/clickhouse/clickhouse-client.js';
import { openClickHouseTouchStore, TouchTablesMissingError, type ClickHouseTouchStore } from './clickhouse-touch-store.js';
import { openSqliteTouchStore } from './sqlite-touch-store.js';
import { touchStoreEngine, type TrackerConfig } from './tracker-config.js';
import { importSqliteTouches } from './touch-store-import.js';
import type { TrackerRouteDeps } from './tracker-routes.js';
import { memoryTouchStore, schedulePruning, type TouchStore } from './touch-store.js';

export interface TrackerEndpoint {
  readonly routes: Omit<TrackerRouteDeps, 'quarantine'>;
  readonly store: TouchStore;
  close(): Promise<void>;
}

export interface TrackerEndpointInputs {
  readonly config: TrackerConfig;
  readonly dataDir: string;
  /** `warehouse.engine`: decides the default touch store. */
  readonly warehouseEngine: string;
  /** The warehouse's ClickHouse, when it is one (the `clickhouse` touch store lives there). */
  readonly clickhouse?: ClickHouseConnectionOptions & { readonly database: string };
  readonly ingest: Ingest;
  readonly sources: SourceRegistry;
  readonly maxBatchBytes: number;
  readonly now: () => Date;
  readonly log: (msg: string, fields?: Record<string, unknown>) => void;
  readonly newId?: () => string;
}

/** Opens the touch store, loads the script, and schedules pruning of expired visitors. */
export async function openTrackerEndpoint(i: TrackerEndpointInputs): Promise<TrackerEndpoint> {
  const c = i.config;
  const script = await loadTrackerScript();
  const store = await openTouchStore(i);
  const stopPruning = schedulePruning(store, c.cookie.maxAgeDays * 86400 * 1000, i.now, i.log);
  return {
    store,
    routes: {
      ingest: i.ingest,
      sources: i.sources,
      now: i.now,
      store,
      newId: i.newId ?? randomUUID,
      rules: { siteDomains: c.siteDomains, referralExclusions: c.referralExclusions, sessionTimeoutMs: c.sessionTimeoutMinutes * 60_000 },
      cookie: c.cookie,
      requireConsent: c.requireConsent,
      script,
      scriptPath: c.scriptPath,
      endpointPath: c.endpointPath,
      scriptMaxAgeSeconds: c.scriptMaxAgeSeconds,
      maxBatchBytes: i.maxBatchBytes,
    },
    async close() {
      stopPruning();
      await store.close();
    },
  };
}

async function openTouchStore(i: TrackerEndpointInputs): Promise<TouchStore> {
  const t = i.config.touchStore;
  const sqlitePath = isAbsolute(t.path) ? t.path : join(i.dataDir, t.path);
  switch (touchStoreEngine(i.config, i.warehouseEngine)) {
    case 'memory':
      return memoryTouchStore();
    case 'sqlite':
      return openSqliteTouchStore({ path: sqlitePath, synchronous: t.synchronous });
    case 'clickhouse': {
      if (!i.clickhouse) throw new Error('tracker.touchStore.engine = clickhouse needs warehouse.engine = clickhouse');
      let store: ClickHouseTouchStore;
      try {
        store = await openClickHouseTouchStore({ connection: i.clickhouse, ...t.clickhouse, log: i.log });
      } catch (err) {
        // A cluster whose DDL predates the touch store: keep the store it had until the DBA adds
        // the tables, rather than refuse to start after an upgrade. Asked for explicitly, it fails.
        if (!(err instanceof TouchTablesMissingError) || t.engine !== undefined) throw err;
        i.log('touch store: ClickHouse has no touch store tables; keeping this collector\'s SQLite store (route /_t/* by cookie)', { error: err.message });
        return openSqliteTouchStore({ path: sqlitePath, synchronous: t.synchronous });
      }
      try {
        // a collector that kept its touches in SQLite before brings them along
        await importSqliteTouches(sqlitePath, store, i.log);
      } catch (err) {
        await store.close();
        throw new Error(`moving ${sqlitePath} into the ClickHouse touch store failed (tracker.touchStore): ${(err as Error).message}`, { cause: err });
      }
      return store;
    }
  }
}
