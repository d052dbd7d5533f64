import type { Metrics } from '../metrics/metrics.js';
import type { Warehouse } from './warehouse.js';

const seconds = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;

/** Times `call`, reporting whether it settled or threw. */
async function timed<T>(call: () => Promise<T>, report: (ok: boolean, s: number) => void): Promise<T> {
  const start = process.hrtime.bigint();
  try {
    const r = await call();
    report(true, seconds(start));
    return r;
  } catch (err) {
    report(false, seconds(start));
    throw err;
  }
}

/**
 * The warehouse, timed: every `query`, `load` and `insertRows` (whoever calls it: the loader, the
 * dashboard, SQL, syncs), and the rows each load moved. Everything else passes through.
 */
export function meteredWarehouse(warehouse: Warehouse, metrics: Metrics): Warehouse {
  const query: Warehouse['query'] = (sql, options) => timed(() => warehouse.query(sql, options), (ok, s) => metrics.observeWarehouse('query', ok, s));
  const insertRows: Warehouse['insertRows'] = (table, columns, rows, options) =>
    timed(() => warehouse.insertRows(table, columns, rows, options), (ok, s) => metrics.observeWarehouse('insert', ok, s));
  const load: Warehouse['load'] = async (batch) => {
    const r = await timed(() => warehouse.load(batch), (ok, s) => metrics.observeWarehouse('load', ok, s));
    metrics.countLoaded(r);
    return r;
  };
  const own: Record<PropertyKey, unknown> = { query, insertRows, load };
  return new Proxy(warehouse, {
    get(target, key, receiver) {
      if (key in own) return own[key];
      const v = Reflect.get(target, key, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
