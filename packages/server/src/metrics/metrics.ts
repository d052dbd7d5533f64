import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { labelGuard, statusClass, type LabelGuard } from './label-values.js';

/**
 * Touchline's Prometheus metrics (prom-client), one registry per running server: tests run
 * several servers in one process, and a process-wide default registry would mix their counts.
 *
 * Label values are bounded and carry no personal data: sources by id, routes by their pattern
 * (never the URL asked for), syncs and providers by their configured names, each through a
 * {@link labelGuard}. Gauges are read from the parts when Prometheus scrapes, so nothing is
 * computed on the request path for them.
 */
export interface Metrics {
  readonly registry: Registry;
  /** One ingest call's outcome (the collector's doors, the tracker endpoint, imports). */
  countEvents(sourceId: string, endpoint: string, r: { readonly accepted: number; readonly duplicates: number; readonly rejected: number }): void;
  /** One HTTP answer: its listener, the route pattern (`undefined`: no route matched), status, time. */
  observeRequest(listener: 'public' | 'admin', method: string, route: string | undefined, status: number, seconds: number): void;
  /** One warehouse call and how long it took. */
  observeWarehouse(operation: 'query' | 'load' | 'insert', ok: boolean, seconds: number): void;
  /** Rows a load wrote or set aside, by what became of them. */
  countLoaded(r: { readonly events: number; readonly failed: number; readonly duplicates: number; readonly unloadable: number }): void;
  /** A sync run that ended, with its rows by outcome. */
  countSyncRun(run: { readonly syncName: string; readonly status: string; readonly delivered: number; readonly rejected: number; readonly failed: number }): void;
  /** A failed OAuth token refresh (destinations' token providers, `onStateChange`). */
  countTokenRefreshFailure(provider: string, kind: string): void;
  /** Where the scrape-time gauges read from; set once the parts are open. */
  watch(parts: WatchedParts): void;
  /** The exposition text and its content type. */
  exposition(): Promise<{ readonly contentType: string; readonly body: string }>;
}

/** What the gauges read of the spool's stats (its SpoolStats; structural: metrics imports no part it measures). */
export interface SpoolGauges {
  readonly bytes: number;
  readonly maxBytes: number;
  readonly sealedSegments: number;
  readonly unsealedSegments: number;
}

/** What the gauges read of the loader's stats. */
export interface LoaderGauges {
  readonly lagMs: number;
  readonly lastError: string | null;
}

export interface WatchedParts {
  readonly spool: () => SpoolGauges;
  readonly loader: () => LoaderGauges;
  /** Visitors in the touch store; absent when the store cannot count cheaply (ClickHouse). */
  readonly touchStoreVisitors?: () => Promise<number>;
}

/** Seconds: 1 ms … 10 s for requests and warehouse calls (a load of a large batch lands in +Inf). */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Guards {
  readonly source: LabelGuard;
  readonly endpoint: LabelGuard;
  readonly route: LabelGuard;
  readonly method: LabelGuard;
  readonly sync: LabelGuard;
  readonly status: LabelGuard;
  readonly provider: LabelGuard;
  readonly kind: LabelGuard;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  const registers = [registry];
  const g: Guards = {
    source: labelGuard(), endpoint: labelGuard(), route: labelGuard(200), method: labelGuard(10),
    sync: labelGuard(), status: labelGuard(20), provider: labelGuard(20), kind: labelGuard(20),
  };
  let parts: WatchedParts | null = null;
  const events = new Counter({ name: 'touchline_events_total', help: 'Events the collector answered for, by source, endpoint (route pattern) and outcome (accepted, rejected, duplicate).', labelNames: ['source', 'endpoint', 'outcome'], registers });
  const requests = new Histogram({ name: 'touchline_http_request_duration_seconds', help: 'Time to answer an HTTP request, by listener, method, route pattern and status class.', labelNames: ['listener', 'method', 'route', 'status'], buckets: BUCKETS, registers });
  const warehouse = new Histogram({ name: 'touchline_warehouse_operation_duration_seconds', help: 'Time of warehouse calls (query, load, insert), by outcome.', labelNames: ['operation', 'outcome'], buckets: BUCKETS, registers });
  const loaded = new Counter({ name: 'touchline_loader_rows_total', help: 'Rows the loader moved from the spool into the warehouse, by outcome (events, failed, duplicates, unloadable); rate() is rows per second.', labelNames: ['outcome'], registers });
  const syncRuns = new Counter({ name: 'touchline_sync_runs_total', help: 'Sync runs that ended, by sync and final status.', labelNames: ['sync', 'status'], registers });
  const syncRows = new Counter({ name: 'touchline_sync_rows_total', help: 'Rows of ended sync runs, by sync and outcome (delivered, rejected, failed).', labelNames: ['sync', 'outcome'], registers });
  const tokenFailures = new Counter({ name: 'touchline_token_refresh_failures_total', help: 'Failed OAuth token refreshes, by provider and failure kind.', labelNames: ['provider', 'kind'], registers });
  registerGauges(registers, () => parts);
  return {
    registry,
    countEvents(sourceId, endpoint, r) {
      const labels = { source: g.source(sourceId), endpoint: g.endpoint(endpoint) };
      if (r.accepted > 0) events.inc({ ...labels, outcome: 'accepted' }, r.accepted);
      if (r.rejected > 0) events.inc({ ...labels, outcome: 'rejected' }, r.rejected);
      if (r.duplicates > 0) events.inc({ ...labels, outcome: 'duplicate' }, r.duplicates);
    },
    observeRequest(listener, method, route, status, seconds) {
      requests.observe({ listener, method: g.method(method), route: route === undefined ? 'unmatched' : g.route(route), status: statusClass(status) }, seconds);
    },
    observeWarehouse(operation, ok, seconds) {
      warehouse.observe({ operation, outcome: ok ? 'ok' : 'error' }, seconds);
    },
    countLoaded(r) {
      for (const outcome of ['events', 'failed', 'duplicates', 'unloadable'] as const) if (r[outcome] > 0) loaded.inc({ outcome }, r[outcome]);
    },
    countSyncRun(run) {
      const sync = g.sync(run.syncName);
      syncRuns.inc({ sync, status: g.status(run.status) });
      for (const outcome of ['delivered', 'rejected', 'failed'] as const) if (run[outcome] > 0) syncRows.inc({ sync, outcome }, run[outcome]);
    },
    countTokenRefreshFailure(provider, kind) {
      tokenFailures.inc({ provider: g.provider(provider), kind: g.kind(kind) });
    },
    watch(p) {
      parts = p;
    },
    async exposition() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

/** The gauges read at scrape time from the watched parts (nothing before `watch`). */
function registerGauges(registers: Registry[], parts: () => WatchedParts | null): void {
  const fromSpool = (name: string, help: string, read: (s: SpoolGauges) => number) =>
    new Gauge({ name, help, registers, collect() {
      const p = parts();
      if (p) this.set(read(p.spool()));
    } });
  fromSpool('touchline_spool_bytes', 'Bytes in the spool not yet loaded (sealed and active segments).', (s) => s.bytes);
  fromSpool('touchline_spool_max_bytes', 'spool.maxBytes: past it the collector answers 503.', (s) => s.maxBytes);
  fromSpool('touchline_spool_sealed_segments', 'Sealed spool segments waiting for the loader.', (s) => s.sealedSegments);
  fromSpool('touchline_spool_unsealed_segments', 'Durable spool segments whose seal failed and waits for a retry.', (s) => s.unsealedSegments);
  new Gauge({ name: 'touchline_loader_lag_seconds', help: 'How long the oldest sealed spool segment has waited for the loader (0 when caught up): the age of the spool.', registers, collect() {
    const p = parts();
    if (p) this.set(p.loader().lagMs / 1000);
  } });
  new Gauge({ name: 'touchline_loader_failing', help: '1 while the last load failed (the loader backs off and retries), else 0.', registers, collect() {
    const p = parts();
    if (p) this.set(p.loader().lastError === null ? 0 : 1);
  } });
  new Gauge({ name: 'touchline_touch_store_visitors', help: 'Visitors whose first and last touch the touch store holds (the SQLite and memory stores; the ClickHouse store is not counted and shows 0).', registers, async collect() {
    const count = parts()?.touchStoreVisitors;
    if (count) this.set(await count());
  } });
}
