import { MODEL_NAMES } from '@touchline/attribution';
import type { AdminRoute } from '../admin/admin-route.js';
import type { Config } from '../config/config.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { dayRangeOf } from './date-range.js';
import { readOverview } from './overview.js';
import { readQuality } from './quality.js';

export interface DashboardDeps {
  readonly warehouse: Warehouse;
  readonly config: Pick<Config, 'attribution'>;
  readonly now: () => Date;
}

/** What the attribution page's filters offer: the configured conversions and defaults, every model. */
export function dashboardSettings(config: Pick<Config, 'attribution'>, engine: string) {
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
    { method: 'GET', url: '/admin/dashboard/settings', action: 'dashboard.read', handler: async () => dashboardSettings(deps.config, deps.warehouse.engine) },
    { method: 'GET', url: '/admin/dashboard/overview', action: 'dashboard.read', handler: async (request) => readOverview(deps.warehouse, range(request.query)) },
    { method: 'GET', url: '/admin/dashboard/quality', action: 'quality.read', handler: async (request) => readQuality(deps.warehouse, range(request.query)) },
  ];
}
