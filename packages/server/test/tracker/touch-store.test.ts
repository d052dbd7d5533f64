import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteTouchStore } from '../../src/tracker-endpoint/sqlite-touch-store.js';
import { memoryTouchStore } from '../../src/tracker-endpoint/touch-store.js';
import { touchStoreConformance } from './touch-store-conformance.js';

const dirs: string[] = [];
const tmp = async () => {
  const d = await mkdtemp(join(tmpdir(), 'touchline-touches-'));
  dirs.push(d);
  return d;
};
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

touchStoreConformance('memory', async () => memoryTouchStore());
touchStoreConformance('sqlite', async () => openSqliteTouchStore({ path: join(await tmp(), 'touches.sqlite') }));
touchStoreConformance('sqlite (synchronous full)', async () => openSqliteTouchStore({ path: join(await tmp(), 'touches.sqlite'), synchronous: 'full' }));

describe('sqlite touch store', () => {
  it('keeps what it stored across a reopen (durable in the data dir)', async () => {
    const path = join(await tmp(), 'touches.sqlite');
    const a = openSqliteTouchStore({ path });
    await a.update('visitor-0000000001', () => ({ first: { url: 'https://www.shop.test/?gclid=AbC-1_x', click_id: 'AbC-1_x', at: '2025-01-01T00:00:00.000Z' }, seen: '2025-01-01T00:00:00.000Z' }));
    await a.close();
    const b = openSqliteTouchStore({ path });
    expect((await b.get('visitor-0000000001'))?.first?.click_id).toBe('AbC-1_x');
    await b.close();
  });

  it('two processes on one file: each update reads the other\'s writes inside its own write transaction', async () => {
    const path = join(await tmp(), 'touches.sqlite');
    const a = openSqliteTouchStore({ path });
    const b = openSqliteTouchStore({ path }); // a second process on the same file
    await a.update('visitor-0000000002', () => ({ first: { utm_source: 'a' }, seen: '1' }));
    let seenByB: unknown;
    const r = await b.update('visitor-0000000002', (p) => ((seenByB = p.first), { ...p, first: { utm_source: 'b' }, seen: '2' }));
    expect(seenByB).toEqual({ utm_source: 'a' });
    expect(r.first?.utm_source).toBe('a');
    expect((await a.get('visitor-0000000002'))?.seen).toBe('2');
    await a.close();
    await b.close();
  });
});
