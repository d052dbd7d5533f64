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
      async handler(_request, reply) {
        const { contentType, body } = await metrics.exposition();
        reply.type(contentType);
        return body;
      },
    },
  ];
}
