import { z } from 'zod';
import type { AdminRoute } from './admin-route.js';
import type { RouteDoc } from '../http/route-doc.js';
import { ClientError } from '../http/client-error.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { buildTaggedUrl, NonConformingTagError } from '../taxonomy/utm-build.js';
import { UTM_PARAMS, type UtmParam, type UtmRules } from '../taxonomy/utm-rules.js';
import { utmReport, type UtmRange } from '../taxonomy/utm-report.js';
import { revenueByLastTouch } from '../identity/utm-revenue.js';
import type { ModelSql } from '../identity/model-views.js';

export interface UtmRouteDeps {
  readonly warehouse: Warehouse;
  readonly rules: UtmRules;
  readonly now: () => Date;
  /** The conversions and touch rules: the report weighs each value by revenue too (utm-revenue.ts). @defaultValue volume only */
  readonly model?: ModelSql;
}

const wholeDays = (v: string): boolean => {
  const d = Number(v);
  return Number.isInteger(d) && d > 0 && d <= 3660;
};
const Problem = z.object({
  param: z.enum(UTM_PARAMS),
  value: z.string(),
  canonical: z.string(),
  problem: z.enum(['not_normalised', 'alias', 'not_allowed', 'missing']),
  fix: z.string(),
});

const REPORT_DOC: RouteDoc = {
  summary: 'UTM values of recent landings that the campaign taxonomy reads otherwise or refuses',
  querystring: z.object({ days: z.string().refine(wholeDays, 'a whole number of days, 1 to 3660').optional().describe('how far back; 30 when absent') }),
  response: z.object({ landings: z.number().int(), lines: z.array(Problem.extend({ landings: z.number().int(), revenue: z.number().optional().describe('value of the conversions whose last touch carried it') })) }),
  examples: [
    {
      name: 'a week',
      request: { query: { days: '7' } },
      response: {
        status: 200,
        body: { landings: 1840, lines: [{ param: 'utm_source', value: 'FaceBook', canonical: 'facebook', problem: 'not_normalised', fix: 'normalise: lowercase', landings: 212, revenue: 1840.5 }] },
      },
    },
  ],
};

// Loose: keys other than the five UTM parameters and `url` are ignored, as they always were.
const BuildBody = z.looseObject({ url: z.string(), ...Object.fromEntries(UTM_PARAMS.map((p) => [p, z.string().optional()])) });
const BUILD_DOC: RouteDoc = {
  summary: 'A link tagged with UTM parameters, checked against the campaign taxonomy',
  body: BuildBody,
  response: z.object({ url: z.string() }),
  examples: [
    {
      name: 'conforming',
      request: { body: { url: 'https://shop.test/sale', utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'winter_sale' } },
      response: { status: 200, body: { url: 'https://shop.test/sale?utm_source=newsletter&utm_medium=email&utm_campaign=winter_sale' } },
    },
    {
      name: 'nonconforming',
      summary: 'a medium the taxonomy does not allow',
      request: { body: { url: 'https://shop.test/sale', utm_source: 'newsletter', utm_medium: 'e-mail' } },
      response: {
        status: 422,
        body: {
          success: false,
          error: 'nonconforming',
          message: 'the link does not follow the campaign taxonomy:\n  utm_medium "e-mail": alias (use "email") — alias e-mail → email',
          problems: [{ param: 'utm_medium', value: 'e-mail', canonical: 'email', problem: 'alias', fix: 'alias e-mail → email' }],
        },
      },
    },
  ],
};

/** `GET /admin/utm/report` (the CLI's `utm report`; the dashboard's data quality) and `POST /admin/utm/build` (its link builder). */
export function utmRoutes(deps: UtmRouteDeps): AdminRoute[] {
  return [
    {
      method: 'GET',
      url: '/admin/utm/report',
      action: 'quality.read',
      doc: REPORT_DOC,
      handler: async (request) => {
        const q = (request.query ?? {}) as Record<string, unknown>;
        const days = Number(q['days'] ?? 30);
        if (!(Number.isInteger(days) && days > 0 && days <= 3660)) throw new ClientError(400, 'bad_request', 'days: a whole number of days, 1 to 3660');
        const now = deps.now().getTime();
        const model = deps.model;
        const revenue = model ? (range: UtmRange) => revenueByLastTouch(deps.warehouse, model, range) : undefined;
        return utmReport(deps.warehouse, { sinceMs: now - days * 86_400_000, untilMs: now + 1 }, deps.rules, revenue);
      },
    },
    {
      method: 'POST',
      url: '/admin/utm/build',
      action: 'quality.read',
      doc: BUILD_DOC,
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
