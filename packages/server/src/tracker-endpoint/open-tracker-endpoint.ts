import { randomUUID } from 'node:crypto';
import type { Ingest } from '../collector/ingest.js';
import type { PublicRoutes } from '../collector/public-routes.js';
import type { SourceRegistry } from '../sources/sources.js';
import { loadTrackerScript } from './script-asset.js';
import type { TrackerConfig } from './tracker-config.js';
import { trackerRoutes } from './tracker-routes.js';
import type { TouchStore } from './touch-store.js';
import type { TouchRulesConfig } from './visitor-touches.js';

export interface TrackerEndpoint {
  /** The script and endpoint routes, for the collector app. */
  readonly routes: PublicRoutes;
}

export interface TrackerEndpointInputs {
  readonly config: TrackerConfig;
  /** The touch store every door shares (open-touch-store.ts). */
  readonly store: TouchStore;
  /** An ingest that does not stamp touches: the endpoint stamps its events itself, under its cookie's visitor id. */
  readonly ingest: Ingest;
  readonly sources: SourceRegistry;
  readonly maxBatchBytes: number;
  readonly now: () => Date;
  readonly newId?: () => string;
}

/** Loads the script and wires the endpoint to the touch store. */
export async function openTrackerEndpoint(i: TrackerEndpointInputs): Promise<TrackerEndpoint> {
  const c = i.config;
  const script = await loadTrackerScript();
  return {
    routes: trackerRoutes({
      ingest: i.ingest,
      sources: i.sources,
      now: i.now,
      store: i.store,
      newId: i.newId ?? randomUUID,
      rules: touchRulesOf(c),
      cookie: c.cookie,
      requireConsent: c.requireConsent,
      script,
      scriptPath: c.scriptPath,
      endpointPath: c.endpointPath,
      scriptMaxAgeSeconds: c.scriptMaxAgeSeconds,
      maxBatchBytes: i.maxBatchBytes,
    }),
  };
}

/** The touch rules of the `tracker` configuration, shared by every door that stamps touches. */
export function touchRulesOf(c: Pick<TrackerConfig, 'siteDomains' | 'referralExclusions' | 'sessionTimeoutMinutes'>): TouchRulesConfig {
  return { siteDomains: c.siteDomains, referralExclusions: c.referralExclusions, sessionTimeoutMs: c.sessionTimeoutMinutes * 60_000 };
}
