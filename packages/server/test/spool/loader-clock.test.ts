import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffMs, createLoader, planBatch } from '../../src/loader/loader.js';
import { openSpool } from '../../src/spool/spool.js';
import type { Warehouse } from '../../src/warehouse/warehouse.js';
import { manualClock } from '../support/manual-clock.js';
import { eventLine } from '../support/rows.js';
import { tempDuckDBWarehouse, type DisposableWarehouse } from '../support/warehouses.js';

describe('the loader plans batches', () => {
  const seg = (seq: number, bytes: number) => ({ seq, bytes, path: `/spool/${seq}.seg` });
  it('takes the oldest segments that fit, always at least one', () => {
    expect(planBatch([seg(3, 60), seg(4, 50), seg(5, 10)], 100)).toEqual({ files: ['/spool/3.seg'], lastSeq: 3 });
    expect(planBatch([seg(3, 40), seg(4, 50), seg(5, 20)], 100)).toEqual({ files: ['/spool/3.seg', '/spool/4.seg'], lastSeq: 4 });
    expect(planBatch([seg(7, 500)], 100)).toEqual({ files: ['/spool/7.seg'], lastSeq: 7 });
    expect(planBatch([], 100)).toEqual({ files: [], lastSeq: 0 });
  });
  it('backs off 400 ms doubling after failures, capped', () => {
    expect([1, 2, 3, 8].map((n) => backoffMs(n, 30_000))).toEqual([400, 800, 1600, 30_000]);
  });
});

// Time is the test's: a failed load waits out its back-off on the clock, not on the machine.
describe('the loader on a manual clock', () => {
  let dir: string;
  let store: DisposableWarehouse;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'touchline-loader-clock-'));
    store = await tempDuckDBWarehouse('touchline-loader-clock-wh');
    await store.warehouse.migrate();
  });
  afterEach(async () => {
    await store.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('retries a failed load only once its back-off has passed, and reports lag on the same clock', async () => {
    const clock = manualClock();
    let refuse = true;
    const warehouse = new Proxy(store.warehouse, {
      get(target, key) {
        if (key === 'load' && refuse) return () => Promise.reject(new Error('the warehouse is down'));
        const v = Reflect.get(target, key) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    }) as Warehouse;
    const { spool } = await openSpool({ dir, rollIntervalMs: 60_000, clock }, null);
    const loader = createLoader({ collectorId: 'col_clock', spool, warehouse, clock, intervalMs: 100, minIntervalMs: 0 });
    loader.start();
    await spool.append([eventLine({ type: 'track', event: 'E', messageId: 'clock-1', anonymousId: 'a' })]);
    await spool.roll();
    await vi.waitFor(() => expect(loader.stats().lastError).toBe('the warehouse is down'));
    refuse = false;
    clock.advance(300); // the interval fires at 100, 200, 300: still inside the 400 ms back-off
    await new Promise((r) => setImmediate(r));
    expect(loader.stats()).toMatchObject({ loadedEvents: 0, lagMs: 300 });
    clock.advance(100); // 400 ms: the next tick loads
    await vi.waitFor(() => expect(loader.stats()).toMatchObject({ loadedEvents: 1, lastError: null, lagMs: 0 }));
    expect(loader.stats().lastLoadAt).toBe(new Date(clock.now()).toISOString());
    await loader.stop();
    await spool.close();
  });

  it('logs what went wrong after a load committed (a staging table left behind), and keeps the load', async () => {
    const logged: { msg: string; fields: Record<string, unknown> | undefined }[] = [];
    const warehouse = new Proxy(store.warehouse, {
      get(target, key) {
        if (key === 'load') return async (b: Parameters<Warehouse['load']>[0]) => ({ ...(await target.load(b)), warnings: ['could not drop the staging tables (_stage, _load, _unloadable): IO Error'] });
        const v = Reflect.get(target, key) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    }) as Warehouse;
    const { spool } = await openSpool({ dir, rollIntervalMs: 60_000, clock: manualClock() }, null);
    const loader = createLoader({ collectorId: 'col_warn', spool, warehouse, clock: manualClock(), log: (msg, fields) => logged.push({ msg, fields }) });
    await spool.append([eventLine({ type: 'track', event: 'E', messageId: 'warn-1', anonymousId: 'a' })]);
    await loader.flush();
    expect(loader.stats()).toMatchObject({ loadedEvents: 1, lastError: null });
    expect(logged).toEqual([{ msg: 'after a load: could not drop the staging tables (_stage, _load, _unloadable): IO Error', fields: { lastSeq: 1 } }]);
    await spool.close();
  });
});
