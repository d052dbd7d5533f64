import type { Warehouse } from '../warehouse/warehouse.js';
import type { DerivedModel } from './derived-model.js';

/**
 * The warehouse as the loader sees it: every successful load is followed by the derived model's
 * refresh for that batch (alias closure when aliases changed; DuckDB sessions of the batch's
 * devices), before the spool releases the batch's files. A refresh failure never fails the load.
 */
export function withDerivedRefresh(warehouse: Warehouse, model: DerivedModel): Warehouse {
  return new Proxy(warehouse, {
    get(target, key, receiver) {
      if (key === 'load') {
        return async (batch: Parameters<Warehouse['load']>[0]) => {
          const result = await target.load(batch);
          await model.afterLoad(batch, result.events);
          return result;
        };
      }
      const v = Reflect.get(target, key, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
