import { randomUUID } from 'node:crypto';
import { isAbsolute, join } from 'node:path';
import type { Ingest } from '../collector/ingest.js';
import type { SourceRegistry } from '../sources/sources.js';
import { loadTrackerScript } from './script-asset.js';
import { openSqliteTouchStore } from './sqlite-touch-store.js';
import type { TrackerConfig } from './tracker-config.js';
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
  const store =
    c.touchStore.engine === 'memory'
      ? memoryTouchStore()
      : openSqliteTouchStore({ path: isAbsolute(c.touchStore.path) ? c.touchStore.path : join(i.dataDir, c.touchStore.path), synchronous: c.touchStore.synchronous });
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
