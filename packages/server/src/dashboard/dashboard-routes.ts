import { MODEL_NAMES } from '@touchline/attribution';
import type { AdminRoute } from '../admin/admin-route.js';
import type { AttributionConfig } from '../definitions/attribution-config.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { ClientError } from '../http/client-error.js';
import { DASHBOARD_DOCS, JourneyQuery, SyncResultsQuery } from './dashboard-route-docs.js';
import { dayRangeOf } from './date-range.js';
import { readJourney } from './journey.js';
import { liveHandler } from './live-route.js';
import type { LiveTap } from './live-tap.js';
import { readOverview } from './overview.js';
import { readQuality } from './quality.js';
import { readSyncResults } from './sync-results.js';
import type { DashboardRollups } from './rollups.js';
import type { ModelSql } from '../identity/model-views.js';

export interface DashboardDeps {
  readonly warehouse: Warehouse;
  readonly config: { readonly attribution: AttributionConfig };
  readonly now: () => Date;
  /** The ingest path's live tap (the live events page). */
  readonly live: LiveTap;
  /** The Overview's daily rollups and the Journeys lookup table (DuckDB). */
  readonly rollups: Pick<DashboardRollups, 'enabled'>;
  /** The touch rules and conversion definitions (the derived model's). */
  readonly model: ModelSql;
}

/** What the attribution page's filters offer: the configured conversions and defaults, every model. */
export function dashboardSettings(config: { readonly attribution: AttributionConfig }, engine: string) {
  const a = config.attribution;
  return {
    engine,
    conversions: a.conversions.flatMap((c) => c.events),
    lookbackDays: a.lookbackDays,
    direct: a.direct,
    models: MODEL_NAMES,
    levels: ['channel', 'source_medium', 'campaign', 'source', 'medium'],
  };
}

/**
 * The dashboard's reads (the attribution page posts to `/admin/attribute`, the activation page
 * reads `/admin/syncs`): each declares its action, the guard decides.
 */
export function dashboardRoutes(deps: DashboardDeps): AdminRoute[] {
  const range = (query: unknown) => dayRangeOf(query, deps.now().getTime());
  return [
    { method: 'GET', url: '/admin/dashboard/settings', action: 'dashboard.read', doc: DASHBOARD_DOCS.settings, handler: async () => dashboardSettings(deps.config, deps.warehouse.engine) },
    { method: 'GET', url: '/admin/dashboard/overview', action: 'dashboard.read', doc: DASHBOARD_DOCS.overview, handler: async (request) => readOverview(deps.warehouse, deps.model, range(request.query), deps.rollups.enabled) },
    { method: 'GET', url: '/admin/dashboard/quality', action: 'quality.read', doc: DASHBOARD_DOCS.quality, handler: async (request) => readQuality(deps.warehouse, range(request.query)) },
    {
      method: 'GET',
      url: '/admin/dashboard/journey',
      action: 'journeys.read',
      doc: DASHBOARD_DOCS.journey,
      handler: async (request) => {
        const { q = '' } = JourneyQuery.parse(request.query);
        const journey = await readJourney(deps.warehouse, deps.model, q, deps.rollups.enabled);
        if (!journey) throw new ClientError(404, 'not_found', 'no user id, anonymous id or identify e-mail matches that');
        return journey;
      },
    },
    { method: 'GET', url: '/admin/dashboard/sync-results', action: 'syncs.read', doc: DASHBOARD_DOCS.syncResults, handler: async (request) => readSyncResults(deps.warehouse, SyncResultsQuery.parse(request.query)) },
    { method: 'GET', url: '/admin/dashboard/live', action: 'events.live', doc: DASHBOARD_DOCS.live, handler: liveHandler(deps.live) },
  ];
}
