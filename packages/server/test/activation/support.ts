import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock, type Clock } from '../../src/clock/clock.js';
import type { ActivationConfig } from '../../src/activation/config/activation-config.js';
import { createRateGates } from '../../src/activation/engine/rate-gate.js';
import { createSyncEngine, type SyncEngineDeps } from '../../src/activation/engine/sync-engine.js';
import { resolveConfig } from '../../src/config/config.js';
import { createDerivedModel } from '../../src/identity/derived-model.js';
import { withDerivedRefresh } from '../../src/identity/refresh-on-load.js';
import { openDuckDBWarehouse } from '../../src/warehouse/duckdb/duckdb-warehouse.js';
import type { SqlParams, Warehouse } from '../../src/warehouse/warehouse.js';
import { eventLine, fromSegments, writeSegment } from '../support/rows.js';

/** The activation part of a config, parsed and cross-checked as `touchline` does. */
export function activationConfig(input: Record<string, unknown>): ActivationConfig {
  const c = resolveConfig(input, {}, {});
  return { destinations: c.destinations, syncs: c.syncs, forwarding: c.forwarding, attribution: c.attribution };
}

/**
 * The warehouse as Touchline runs it: the derived identity views (which the built-in model
 * resolves persons through) created, and refreshed after every load.
 */
export async function withDerived(warehouse: Warehouse): Promise<Warehouse> {
  const model = createDerivedModel(warehouse, resolveConfig({}, {}, {}));
  await model.ensure();
  return withDerivedRefresh(warehouse, model);
}

export interface TestWarehouse {
  readonly warehouse: Warehouse;
  readonly dir: string;
  /** Runs SQL that writes (test fixtures). */
  exec(sql: string): Promise<void>;
  rows(sql: string, params?: SqlParams): Promise<Record<string, unknown>[]>;
  /** Loads events as the collector would have spooled them. */
  loadEvents(events: readonly Record<string, unknown>[], receivedAt?: string): Promise<void>;
  dispose(): Promise<void>;
}

let seq = 0;

/**
 * An embedded DuckDB warehouse in a fresh directory, migrated; with `identity`, also the derived
 * identity views the built-in model needs (tests that create their own `conversions` table do not).
 */
export async function duckWarehouse(o: { readonly identity?: boolean } = {}): Promise<TestWarehouse> {
  const dir = await mkdtemp(join(tmpdir(), 'touchline-activation-'));
  const warehouse = await openDuckDBWarehouse({ path: join(dir, 'w.duckdb') });
  await warehouse.migrate();
  return wrap(o.identity ? await withDerived(warehouse) : warehouse, dir, async () => {
    await warehouse.close();
    await rm(dir, { recursive: true, force: true });
  });
}

export function wrap(warehouse: Warehouse, dir: string, dispose: () => Promise<void>): TestWarehouse {
  return {
    warehouse,
    dir,
    exec: async (sql) => void (await warehouse.query(sql, { readOnly: false })),
    async rows(sql, params) {
      const r = await warehouse.query(sql, params ? { params } : {});
      return r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i]])));
    },
    async loadEvents(events, receivedAt) {
      const lines = events.map((e) => eventLine(e, { receivedAt: receivedAt ?? String(e['timestamp'] ?? new Date().toISOString()) }));
      const n = ++seq;
      const file = await writeSegment(join(dir, 'spool'), n, lines);
      await warehouse.load({ collectorId: `test-${process.pid}`, ...fromSegments([file]), lastSeq: n, dedupWindowMs: 3600_000 });
    },
    dispose,
  };
}

/** A sync engine over a warehouse with real fetch and clock, short retry delays for tests. */
export function testEngine(config: ActivationConfig, warehouse: Warehouse, over: Partial<SyncEngineDeps> = {}) {
  const clock: Clock = over.clock ?? systemClock;
  return createSyncEngine({ config, warehouse, fetch: globalThis.fetch, clock, gates: createRateGates(clock), ...over });
}

/** A clock that moves only when the test moves it, firing the engine's timers that fall due. */
export { manualClock } from '../support/manual-clock.js';

/** Short retry settings so fault tests finish quickly. */
export const FAST_RETRY = { maxAttempts: 8, baseDelayMs: 20, maxDelayMs: 200 } as const;
