import type { Metrics } from '../metrics/metrics.js';
import type { Ingest } from './ingest.js';

/** The ingest, counted: accepted / rejected / duplicate events by source and endpoint. */
export function meteredIngest(ingest: Ingest, metrics: Metrics): Ingest {
  return async (events, req, endpointType, mapped) => {
    const r = await ingest(events, req, endpointType, mapped);
    metrics.countEvents(req.sourceId, req.endpoint, { accepted: r.accepted, duplicates: r.duplicates, rejected: r.rejected.length });
    return r;
  };
}
