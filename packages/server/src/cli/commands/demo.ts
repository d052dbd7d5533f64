import { systemClock } from '../../clock/clock.js';
import type { Config } from '../../config/config.js';
import { resolve } from 'node:path';
import { demoEvents, type DemoOptions } from '../../demo/demo-journeys.js';
import { writeDemoSpend } from '../../demo/demo-spend.js';
import { openWarehouse } from '../../warehouse/open-warehouse.js';
import { findRunningServer } from '../server-handle.js';
import { openSink } from './import.js';

export interface DemoSummary {
  readonly sent: number;
  readonly accepted: number;
  readonly duplicates: number;
  readonly quarantined: number;
  /** Daily spend rows written for the demo's paid campaigns. */
  readonly spendRows: number;
}

/**
 * `touchline demo`: a demo shop's journeys through the real ingest path (the running server's
 * collector, or an in-process one): validated, stamped with touches, spooled and loaded like any
 * traffic. Its message ids are fixed, so running it twice within the dedup window adds nothing.
 */
export async function loadDemo(config: Config, options: Omit<DemoOptions, 'now'> & { now?: number } = {}): Promise<DemoSummary> {
  const now = options.now ?? systemClock.now();
  const events = demoEvents({ ...options, now });
  const sink = await openSink(config, undefined);
  const totals = { sent: events.length, accepted: 0, duplicates: 0, quarantined: 0, spendRows: 0 };
  try {
    for (let i = 0; i < events.length; i += 500) {
      const r = await sink.send(events.slice(i, i + 500));
      totals.accepted += r.accepted;
      totals.duplicates += r.duplicates;
      totals.quarantined += r.rejected.length;
    }
  } finally {
    await sink.close();
  }
  // A running server loads on its own schedule: ask it to load now, so the dashboard shows it at once.
  // The spend goes through whoever holds the warehouse: the server, else this process.
  const days = options.days !== undefined ? { days: options.days } : {};
  const server = await findRunningServer(config);
  if (server) {
    await server.call('POST', '/admin/flush');
    totals.spendRows = (await server.call<{ rows: number }>('POST', '/admin/demo/spend', days)).rows;
  } else {
    const warehouse = await openWarehouse(config.warehouse, resolve(config.dataDir));
    try {
      totals.spendRows = (await writeDemoSpend(warehouse, { now, ...days, ...(options.seed !== undefined ? { seed: options.seed } : {}) })).rows;
    } finally {
      await warehouse.close();
    }
  }
  return totals;
}

export async function demoCommand(config: Config, out: (s: string) => void): Promise<void> {
  const s = await loadDemo(config);
  out(`demo shop loaded: ${s.accepted} events accepted, ${s.duplicates} already there, ${s.quarantined} malformed on purpose (see Data quality); ${s.spendRows} days × campaigns of ad spend (cost, CPA and ROAS on Attribution)`);
  out('Open the dashboard on the admin listener (http://127.0.0.1:8081 by default) and sign in with the admin token.');
}
