import { z } from 'zod';
import type { Metrics } from '../metrics/metrics.js';
import type { AdminRoute } from './admin-route.js';

/**
 * `GET /metrics` on the admin listener, in Prometheus's text format. Behind the admin guard like
 * every admin route: Prometheus sends a personal token with the `metrics` scope
 * (`authorization: Bearer …`, its `bearer_token_file`), which may do nothing else.
 */
export function metricsRoutes(metrics: Metrics): AdminRoute[] {
  return [
    {
      method: 'GET',
      url: '/metrics',
      action: 'metrics.read',
      doc: {
        summary: 'Counters, gauges and histograms in Prometheus\'s text format',
        responseType: 'text/plain; version=0.0.4; charset=utf-8',
        response: z.string(),
        examples: [
          {
            name: 'a scrape',
            response: { status: 200, body: '# HELP touchline_events_total Events the collector answered for, by source, endpoint (route pattern) and outcome (accepted, rejected, duplicate).\n# TYPE touchline_events_total counter\ntouchline_events_total{source="web",endpoint="/v1/batch",outcome="accepted"} 1204\n' },
          },
        ],
      },
      async handler(_request, reply) {
        const { contentType, body } = await metrics.exposition();
        reply.type(contentType);
        return body;
      },
    },
  ];
}
