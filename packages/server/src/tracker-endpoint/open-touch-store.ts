import { isAbsolute, join } from 'node:path';
import type { ClickHouseConnectionOptions } from '../warehouse/clickhouse/clickhouse-client.js';
import { openClickHouseTouchStore, TouchTablesMissingError, type ClickHouseTouchStore } from './clickhouse-touch-store.js';
import { openSqliteTouchStore } from './sqlite-touch-store.js';
import { importSqliteTouches } from './touch-store-import.js';
import { touchStoreEngine, type TrackerConfig } from './tracker-config.js';
import { memoryTouchStore, schedulePruning, type TouchStore } from './touch-store.js';
import type { WarehouseEngine } from '../warehouse/engine.js';
import type { Clock } from '../clock/clock.js';
import { redactingTouchStore } from './redacting-touch-store.js';

export interface TouchStoreInputs {
  /** `tracker`: the touch store's engine and path, and the cookie's lifetime (expired visitors are pruned). */
  readonly config: Pick<TrackerConfig, 'touchStore' | 'cookie'>;
  readonly dataDir: string;
  /** `warehouse.engine`: decides the default touch store. */
  readonly warehouseEngine: WarehouseEngine;
  /** The warehouse's ClickHouse, when it is one (the `clickhouse` touch store lives there). */
  readonly clickhouse?: ClickHouseConnectionOptions & { readonly database: string };
  /** Time and the pruning timer (a test advances it). */
  readonly clock: Clock;
  readonly log: (msg: string, fields?: Record<string, unknown>) => void;
  /** The ingest's URL redaction (src/privacy/), applied to touches as they are stored. @defaultValue none */
  readonly redactUrl?: (url: string) => string;
}

/** The touch store, open, with pruning of expired visitors scheduled; `close` stops both. */
export interface OpenTouchStore {
  readonly store: TouchStore;
  close(): Promise<void>;
}

/**
 * Opens the touch store every door of the collector shares: the tracker endpoint (visitors by
 * cookie) and the Segment API and imports (visitors by anonymous id) stamp events from it. It is
 * opened whether or not `tracker.enabled` serves the script: every SDK's events carry first and
 * last touch.
 */
export async function openTouchStore(i: TouchStoreInputs): Promise<OpenTouchStore> {
  const opened = await openStore(i);
  const store = i.redactUrl ? redactingTouchStore(opened, i.redactUrl) : opened;
  const stopPruning = schedulePruning(store, i.config.cookie.maxAgeDays * 86400 * 1000, i.clock, i.log);
  return {
    store,
    async close() {
      stopPruning();
      await store.close();
    },
  };
}

async function openStore(i: TouchStoreInputs): Promise<TouchStore> {
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
        store = await openClickHouseTouchStore({ connection: i.clickhouse, ...t.clickhouse, log: i.log, clock: i.clock });
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
