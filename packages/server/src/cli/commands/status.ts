import { join, resolve } from 'node:path';
import type { pipelineStatus } from '../../admin/pipeline-routes.js';
import type { Config } from '../../config/config.js';
import { listSegments } from '../../spool/segments.js';
import { openWarehouse } from '../../warehouse/open-warehouse.js';
import { findRunningServer } from '../server-handle.js';
import { offlineUse } from '../offline.js';

type Status = Awaited<ReturnType<typeof pipelineStatus>>;

const mb = (n: number) => `${(n / 1024 ** 2).toFixed(1)} MB`;

/** `touchline status`: spool depth, loader lag, events and failures per source. */
export async function statusCommand(config: Config, json: boolean, out: (s: string) => void): Promise<void> {
  const server = await findRunningServer(config);
  if (server) {
    const s = await server.call<Status>('GET', '/admin/status');
    if (json) return out(JSON.stringify(s, null, 2));
    out(`Touchline at ${server.url} — running ${s.uptimeSeconds}s, warehouse ${s.engine}`);
    out(`Spool    ${s.spool.sealedSegments} sealed segment(s), ${mb(s.spool.bytes)} of ${mb(s.spool.maxBytes)} cap`);
    if (s.spool.damagedRecords > 0) {
      out(
        `         ${s.spool.damagedRecords} damaged stretch(es), ${s.spool.damagedBytes} bytes, set aside since start: ` +
          `touchline sql "select reason, raw from failed_events where reason like 'spool damage%'"`,
      );
    }
    if (s.derived.refreshFailures > 0) {
      out(`Derived  ${s.derived.refreshFailures} refresh(es) after a load failed since start${s.derived.lastRefreshError ? `, last: ${s.derived.lastRefreshError}` : ' (the latest succeeded)'}`);
    }
    if (s.spool.unsealedSegments > 0) {
      out(
        `         ${s.spool.unsealedSegments} segment(s) on disk but not yet sealed (the loader waits for them; retried): ` +
          `${s.spool.lastSealError ?? 'see the log'}`,
      );
    }
    out(
      `Loader   lag ${(s.loader.lagMs / 1000).toFixed(1)}s, loaded ${s.loader.loadedEvents} events, ` +
        `${s.loader.duplicates} duplicates dropped, ${s.loader.loadedFailed} quarantined` +
        (s.loader.lastError ? `, last error: ${s.loader.lastError}` : ''),
    );
    if (s.privacy && s.privacy.suppressedRequests > 0) {
      out(`Privacy  ${s.privacy.suppressedRequests} person(s) suppressed; since start ${s.privacy.droppedAtIngest} event(s) dropped at ingest, ${s.privacy.skippedBySyncs} row(s) not synced (touchline privacy suppressions list)`);
    }
    if (s.retention) {
      const r = s.retention;
      out(`Retention last run ${r.at}: ${r.ipUserAgentCleared} IP/user agent(s) cleared, ${r.eventsDeleted} event(s), ${r.syncRowResultsDeleted} sync row result(s), ${r.failedEventsDeleted} failed event(s) deleted${r.pending.length ? ` (ClickHouse still running: ${r.pending.join(', ')})` : ''}`);
    }
    printAlerts(s.alerts, out);
    printSources(s.sources, out);
    return;
  }
  await offlineUse(config, 'status', null);
  const dataDir = resolve(config.dataDir);
  // No spool folder yet (nothing was ever received here): an empty spool.
  const segs = await listSegments(join(dataDir, 'spool')).catch(() => ({ sealed: [], open: [] }));
  const bytes = [...segs.sealed, ...segs.open].reduce((n, f) => n + f.bytes, 0);
  const warehouse = await openWarehouse(config.warehouse, dataDir, { readOnly: true });
  try {
    const stats = await warehouse.sourceStats();
    const names = new Map((await warehouse.listSources()).map((x) => [x.id, x]));
    const sources = stats.map((x) => ({ ...x, name: names.get(x.sourceId)?.name ?? null, revoked: Boolean(names.get(x.sourceId)?.revokedAt) }));
    if (json) return out(JSON.stringify({ running: false, spool: { segments: segs.sealed.length + segs.open.length, bytes }, sources }, null, 2));
    out(`Touchline is not running (data dir ${dataDir}, warehouse ${warehouse.engine})`);
    out(`Spool    ${segs.sealed.length + segs.open.length} segment(s) waiting, ${mb(bytes)} — they load on the next start`);
    printSources(sources, out);
  } finally {
    await warehouse.close();
  }
}

/** The alerts line: the last one sent, how many were held back, and deliveries that failed. */
function printAlerts(a: Status['alerts'], out: (s: string) => void): void {
  if (!a || (a.sent === 0 && a.failures.length === 0)) return;
  const last = a.last ? `last: ${a.last.title} at ${a.last.at} (${a.last.channels.join(', ')})` : 'none sent';
  out(`Alerts   ${a.sent} sent, ${a.held} held back by the dedupe rule; ${last}`);
  for (const f of a.failures) out(`         not delivered to ${f.channel} at ${f.at}: ${f.error}`);
}

function printSources(sources: Status['sources'], out: (s: string) => void): void {
  out('');
  out(`${'source'.padEnd(20)} ${'events'.padStart(12)} ${'failed'.padStart(10)}  last received`);
  for (const s of sources) {
    const name = (s.name ?? s.sourceId) + (s.revoked ? ' (revoked)' : '');
    out(`${name.padEnd(20)} ${String(s.events).padStart(12)} ${String(s.failedEvents).padStart(10)}  ${s.lastReceivedAt ?? '-'}`);
  }
}
