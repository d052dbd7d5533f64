import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/config.js';
import { createDerivedModel, type DerivedModel } from '../../src/identity/derived-model.js';
import { openDuckDBWarehouse } from '../../src/warehouse/duckdb/duckdb-warehouse.js';
import type { LoadBatch, Warehouse } from '../../src/warehouse/warehouse.js';

// A refresh after a load must never fail the load; it must not vanish either: it is logged,
// counted, and shown in status (pipeline-routes.ts) until a refresh succeeds.
describe('the derived model when a refresh after a load fails', () => {
  let w: Warehouse;
  let model: DerivedModel;
  let failing = false;
  const logged: { msg: string; fields: Record<string, unknown> | undefined }[] = [];
  const batch = {} as LoadBatch; // afterLoad reads only the loaded count

  beforeAll(async () => {
    const real = await openDuckDBWarehouse({ path: ':memory:' });
    await real.migrate();
    // The disk refuses the sessions' transaction while `failing` (the alias closure reads first).
    w = new Proxy(real, {
      get(target, key) {
        if (key === 'transaction' && failing) return () => Promise.reject(new Error('IO Error: could not write file'));
        const v = Reflect.get(target, key) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    model = createDerivedModel(w, resolveConfig({}, {}, {}), (msg, fields) => logged.push({ msg, fields }), { now: () => 1_767_225_600_000 });
    await model.ensure();
  });
  afterAll(async () => {
    await w.close();
  });

  it('starts clean', () => {
    expect(model.stats()).toEqual({ refreshFailures: 0, lastRefreshError: null, sessionsStale: false });
  });

  it('logs the failure and shows it in the stats, without throwing into the loader', async () => {
    failing = true;
    await expect(model.afterLoad(batch, 0)).resolves.toBeUndefined();
    expect(model.stats()).toEqual({ refreshFailures: 1, lastRefreshError: 'IO Error: could not write file', sessionsStale: true });
    expect(logged.at(-1)).toEqual({
      msg: 'derived sessions / identity refresh failed; they are rebuilt at the next start or load',
      fields: { error: 'IO Error: could not write file', failures: 1 },
    });
  });

  it('clears the last error (not the count) once a refresh succeeds, and the sessions are whole again', async () => {
    failing = false;
    await model.afterLoad(batch, 0);
    expect(model.stats()).toEqual({ refreshFailures: 1, lastRefreshError: null, sessionsStale: false });
    expect(await model.sessionsFresh()).toBe(true);
  });
});
