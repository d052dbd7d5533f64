import type { Clock } from '../clock/clock.js';
import { ColumnType } from '../warehouse/schema.js';
import { PRIVACY_SUPPRESSIONS } from '../warehouse/suppression-tables.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { SuppressionList } from './suppression-list.js';

/**
 * Suppressions shared across the collectors of one warehouse (docs/governance.md, "Several
 * collectors"). Each collector keeps its own list in its control store; a poll publishes what it
 * added or lifted since to `privacy_suppressions`, then takes every other collector's active
 * hashes into its in-memory list. Hashes match across collectors only when they share the
 * keying secret (`privacy.suppressionKey`).
 */
export interface SharedSuppressions {
  /** Publishes this collector's changes, then reads everyone's; resolves with what it did. */
  sync(): Promise<SharingRun>;
  /** Until the run a timer started (if any) has finished: for tests that advance the clock. */
  idle(): Promise<void>;
  stop(): void;
}

export interface SharingRun {
  readonly published: number;
  readonly lifted: number;
  /** Active hashes from other collectors (or from this one's earlier life) now held. */
  readonly shared: number;
}

interface PublishedRow {
  readonly hash: string;
  readonly collector: string;
  readonly removed: boolean;
  readonly at: number;
}

/** The newest row of each hash wins; on a tie the removal, which is written after its add. */
export function latestByHash(rows: readonly PublishedRow[]): Map<string, PublishedRow> {
  const latest = new Map<string, PublishedRow>();
  for (const r of rows) {
    const prev = latest.get(r.hash);
    if (!prev || r.at > prev.at || (r.at === prev.at && r.removed && !prev.removed)) latest.set(r.hash, r);
  }
  return latest;
}

/**
 * What one collector must write: its local hashes the table does not hold as active, and the
 * hashes it published itself that it no longer holds (a `privacy suppressions remove`).
 */
export function changesToPublish(latest: ReadonlyMap<string, PublishedRow>, local: ReadonlySet<string>, self: string): { add: string[]; lift: string[] } {
  const add = [...local].filter((h) => latest.get(h)?.removed !== false);
  const lift = [...latest.values()].filter((r) => !r.removed && r.collector === self && !local.has(r.hash)).map((r) => r.hash);
  return { add, lift };
}

const COLUMNS = [
  { name: 'hash', type: ColumnType.String },
  { name: 'collector_id', type: ColumnType.String },
  { name: 'removed', type: ColumnType.Bool },
  { name: 'at_ms', type: ColumnType.Int },
] as const;

async function readPublished(w: Warehouse): Promise<PublishedRow[]> {
  // Touchline's own read: the analyst path refuses this table (suppression-tables.ts).
  const r = await w.query(`SELECT hash, collector_id, removed, at_ms FROM ${PRIVACY_SUPPRESSIONS}`, { readOnly: false });
  return r.rows.map(([hash, collector, removed, at]) => ({ hash: String(hash), collector: String(collector), removed: removed === true || Number(removed) === 1, at: Number(at) }));
}

export interface SharingOptions {
  readonly warehouse: Warehouse;
  readonly list: SuppressionList;
  readonly collectorId: string;
  readonly clock: Clock;
  readonly everyMs: number;
  readonly log: (msg: string, fields?: Record<string, unknown>) => void;
}

/** One run: publish this collector's changes, then hold every active hash it does not own. */
async function syncOnce(o: SharingOptions): Promise<SharingRun> {
  const local = o.list.localHashes();
  const { add, lift } = changesToPublish(latestByHash(await readPublished(o.warehouse)), local, o.collectorId);
  const at = o.clock.now();
  const rows = [...add.map((h) => [h, o.collectorId, false, at] as const), ...lift.map((h) => [h, o.collectorId, true, at] as const)];
  if (rows.length > 0) await o.warehouse.insertRows(PRIVACY_SUPPRESSIONS, COLUMNS, rows);
  const latest = latestByHash(await readPublished(o.warehouse));
  const active = [...latest.values()].filter((r) => !r.removed && !local.has(r.hash)).map((r) => r.hash);
  o.list.setShared(active);
  return { published: add.length, lifted: lift.length, shared: active.length };
}

/** Runs at start and every `everyMs`; a failed run is logged and retried at the next tick. */
export function shareSuppressions(o: SharingOptions): SharedSuppressions {
  let running: Promise<SharingRun> | null = null;
  const sync = (): Promise<SharingRun> => {
    running ??= syncOnce(o).finally(() => {
      running = null;
    });
    return running;
  };
  const tick = () =>
    void sync().catch((err: Error) => o.log('privacy: sharing the suppression list failed; it runs again at the next tick', { error: err.message }));
  const stop = o.clock.every(o.everyMs, tick);
  tick();
  return {
    sync,
    idle: async () => {
      // Waits only: the tick above already logged the failure.
      await running?.catch(() => undefined);
    },
    stop,
  };
}
