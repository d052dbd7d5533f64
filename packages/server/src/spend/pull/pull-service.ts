import type { AccessTokenProvider } from '@touchline/destinations';
import type { Clock } from '../../clock/clock.js';
import type { Log } from '../../logging/log.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { pullContexts, pullTargets } from './pull-context.js';
import { runSpendPull } from './pull-runner.js';
import { startSpendPulls, type SpendPulls } from './pull-schedule.js';
import { SPEND_SOURCES } from './sources.js';
import type { SpendConfig } from './spend-pull-config.js';

/** The server's spend pulls: the runner over the configured connections, their tokens from the stored grants. */
export function serverSpendPulls(o: {
  spend: SpendConfig;
  warehouse: Warehouse;
  clock: Clock;
  log: Log;
  fetch: typeof globalThis.fetch;
  auth: (destination: string) => AccessTokenProvider | undefined;
  schedule: boolean;
}): SpendPulls {
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
  const context = pullContexts(o.spend, { fetch: o.fetch, clock: o.clock, sleep, auth: o.auth });
  return startSpendPulls({
    spend: o.spend, clock: o.clock, log: o.log, schedule: o.schedule,
    pull: (f) => runSpendPull({ warehouse: o.warehouse, sources: SPEND_SOURCES, context, clock: o.clock, lookbackDays: o.spend.pull.lookbackDays }, pullTargets(o.spend), f),
  });
}
