import type { FetchLike } from '@touchline/destinations';
import { SingleBar } from 'cli-progress';
import { resolve } from 'node:path';
import { systemClock } from '../../clock/clock.js';
import { ConfigError, type Config } from '../../config/config.js';
import { openConnections } from '../../connections/connections.js';
import { controlStorePath, openControlStore } from '../../control/control-store.js';
import { loadSecrets } from '../../data-dir/secrets.js';
import { pullContexts, pullTargets } from '../../spend/pull/pull-context.js';
import { runSpendPull, type AccountOutcome, type PullFilter, type PullProgress } from '../../spend/pull/pull-runner.js';
import { SPEND_SOURCES } from '../../spend/pull/sources.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import type { AdminClient } from '../server-handle.js';

/** One line per account: what was written, or the failure's kind, message and fix. */
export function formatPullOutcomes(outcomes: readonly AccountOutcome[]): string[] {
  if (outcomes.length === 0) return ['no spend connection matches (configure spend.pull.connections: docs/spend.md)'];
  return outcomes.map((o) =>
    o.ok
      ? `${o.network} ${o.account} ${o.since}..${o.until}: ${o.rows} row(s), ${o.days} day(s) replaced, ${o.campaigns} campaign(s)`
      : `${o.network} ${o.account}${o.since ? ` ${o.since}..${o.until}` : ''}: ${o.failure}: ${o.message}\n  fix: ${o.fix}`,
  );
}

/** A progress line per account on a terminal: pages and rows read so far. */
function progressOf(enabled: boolean): { update(p: PullProgress): void; stop(): void } {
  if (!enabled) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar({ format: 'spend pull {network} {account} | {pages} page(s), {rows} row(s) | {phase}', hideCursor: true });
  let started = false;
  return {
    update(p) {
      if (!started) bar.start(1, 0, p);
      started = true;
      bar.update(p.phase === 'written' || p.phase === 'failed' ? 1 : 0, { ...p });
    },
    stop: () => started && bar.stop(),
  };
}

/**
 * `touchline spend pull` in this process (no server runs): tokens come from the grants in the
 * control store, as the server's would, and a refreshed token is saved there.
 */
export async function pullLocal(config: Config, warehouse: Warehouse, filter: PullFilter, progress: boolean): Promise<AccountOutcome[]> {
  const dataDir = resolve(config.dataDir);
  const store = openControlStore(controlStorePath(dataDir));
  const bar = progressOf(progress);
  try {
    const { secrets } = await loadSecrets(dataDir);
    const connections = openConnections({
      db: store.db, grantKey: secrets.grantKey, destinations: config.destinations, fetch: globalThis.fetch as unknown as FetchLike,
      clock: systemClock, defaultRedirectUri: `http://127.0.0.1:${config.admin.port}/admin/oauth/callback`,
    });
    const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
    const context = pullContexts(config.spend, { fetch: globalThis.fetch, clock: systemClock, sleep, auth: connections.auth });
    return await runSpendPull({ warehouse, sources: SPEND_SOURCES, context, clock: systemClock, lookbackDays: config.spend.pull.lookbackDays, onProgress: (p) => bar.update(p) }, pullTargets(config.spend), filter);
  } finally {
    bar.stop();
    store.close();
  }
}

/** The same through a running server's admin API (it holds the warehouse). */
export async function pullRemote(server: AdminClient, filter: PullFilter): Promise<AccountOutcome[]> {
  return (await server.call<{ outcomes: AccountOutcome[] }>('POST', '/admin/spend/pull', filter)).outcomes;
}

/** `--network` must be a configured network; the rest is checked by the runner. */
export function checkPullFilter(config: Config, f: PullFilter): void {
  const networks = new Set<string>(Object.values(config.spend.pull.connections).map((c) => c.network));
  if (f.network !== undefined && !networks.has(f.network)) throw new ConfigError(`--network ${f.network}: no spend connection pulls it (configured: ${[...networks].join(', ') || 'none'}; see docs/spend.md)`);
}
