import type { Clock } from '../clock/clock.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { StoredPaths } from './stored-paths.js';

type Log = (msg: string, fields?: Record<string, unknown>) => void;

export interface StoredPathsRefresh {
  /** Called after each load: the next tick brings the stored keys up to date. Does no work itself. */
  afterLoad(): void;
  /** One tick's work: at most one stale key brought up to date, else the default filters prebuilt. */
  tick(): Promise<void>;
  /** Stops the ticks, and waits for the one running (it uses the warehouse about to close). */
  stop(): Promise<void>;
}

export interface StoredPathsRefreshOptions {
  readonly paths: StoredPaths;
  readonly clock: Clock;
  readonly log: Log;
  /** Stores the page's default filter combination unless it is stored; whether it computed. */
  readonly prebuild?: () => Promise<boolean>;
  /** @defaultValue 1 000 ms */
  readonly tickMs?: number;
  /** A pass without a load (a privacy deletion changes the events too). @defaultValue 60 000 ms */
  readonly idleMs?: number;
  /**
   * At the start of each pass: marks stale the keys a change besides the events made stale (Google
   * Ads campaign metadata: stored-paths-campaigns.ts); how many. A spend pull is no load, so the
   * idle pass finds it, within `idleMs`.
   */
  readonly markStale?: () => Promise<number>;
}

/**
 * Keeps the stored paths current off the loader's path: a load only raises a flag; each tick on
 * the clock does one key's work (an incremental refresh of a few seconds on 10 million events, a
 * whole one at most tens), so a long refresh never holds a load back, and ticks never overlap.
 * After the stale keys, the default filters are prebuilt so the page's first view reads stored paths.
 */
export function scheduleStoredPathsRefresh(o: StoredPathsRefreshOptions): StoredPathsRefresh {
  const idleMs = o.idleMs ?? 60_000;
  let pending = true;
  let lastPass = o.clock.now();
  let running: Promise<void> | null = null;
  const work = async () => {
    if (!pending && o.clock.now() - lastPass < idleMs) return;
    // Lowered first: a load during this tick raises it again.
    pending = false;
    if (o.markStale) await o.markStale();
    const refreshed = await o.paths.refreshStale(1);
    const built = refreshed === 0 && o.prebuild ? await o.prebuild() : false;
    if (refreshed > 0 || built) pending = true;
    else lastPass = o.clock.now();
  };
  const tick = (): Promise<void> =>
    (running ??= work()
      .catch((err: unknown) => {
        // Tried again after idleMs, not every tick; a view meanwhile brings its own key up to date.
        pending = false;
        lastPass = o.clock.now();
        o.log('could not refresh the stored attribution paths; a page view brings them up to date instead', { error: (err as Error).message });
      })
      .finally(() => (running = null)));
  const stopTimer = o.clock.every(o.tickMs ?? 1000, () => void tick());
  return {
    afterLoad: () => void (pending = true),
    tick,
    async stop() {
      stopTimer();
      await running;
    },
  };
}

/** The warehouse with `refresh.afterLoad()` after each load (the loader's commit), like the rollups' hook; unchanged without a refresh. */
export function withStoredPathsRefresh(warehouse: Warehouse, refresh: Pick<StoredPathsRefresh, 'afterLoad'> | undefined): Warehouse {
  if (!refresh) return warehouse;
  return new Proxy(warehouse, {
    get(target, key, receiver) {
      if (key === 'load') {
        return async (batch: Parameters<Warehouse['load']>[0]) => {
          const result = await target.load(batch);
          refresh.afterLoad();
          return result;
        };
      }
      const v = Reflect.get(target, key, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
