import type { AdminRoute } from './admin-route.js';
import { ClientError } from '../http/client-error.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { buildTaggedUrl, NonConformingTagError } from '../taxonomy/utm-build.js';
import { UTM_PARAMS, type UtmParam, type UtmRules } from '../taxonomy/utm-rules.js';
import { utmReport } from '../taxonomy/utm-report.js';

export interface UtmRouteDeps {
  readonly warehouse: Warehouse;
  readonly rules: UtmRules;
  readonly now: () => Date;
}

/** `GET /admin/utm/report` (the CLI's `utm report`; the dashboard's data quality) and `POST /admin/utm/build` (its link builder). */
export function utmRoutes(deps: UtmRouteDeps): AdminRoute[] {
  return [
    {
      method: 'GET',
      url: '/admin/utm/report',
      action: 'quality.read',
      handler: async (request) => {
        const q = (request.query ?? {}) as Record<string, unknown>;
        const days = Number(q['days'] ?? 30);
        if (!(Number.isInteger(days) && days > 0 && days <= 3660)) throw new ClientError(400, 'bad_request', 'days: a whole number of days, 1 to 3660');
        const now = deps.now().getTime();
        return utmReport(deps.warehouse, { sinceMs: now - days * 86_400_000, untilMs: now + 1 }, deps.rules);
      },
    },
    {
      method: 'POST',
      url: '/admin/utm/build',
      action: 'quality.read',
      handler: async (request) => {
        const b = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<string, unknown>;
        const tag: Partial<Record<UtmParam, string>> = {};
        for (const p of UTM_PARAMS) if (typeof b[p] === 'string') tag[p] = b[p];
        try {
          return { url: buildTaggedUrl(String(b['url'] ?? ''), tag, deps.rules) };
        } catch (err) {
          if (err instanceof NonConformingTagError) throw new ClientError(422, 'nonconforming', err.message, { problems: err.problems });
          if (err instanceof RangeError) throw new ClientError(400, 'bad_request', err.message);
          throw err;
        }
      },
    },
  ];
}
