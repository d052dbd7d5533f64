import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/config.js';
import { openSqliteTouchStore } from '../../src/tracker-endpoint/sqlite-touch-store.js';
import { factsOf, mergeFacts, NO_FACTS, stateOf, writeStamps } from '../../src/tracker-endpoint/touch-facts.js';
import { touchStoreEngine } from '../../src/tracker-endpoint/tracker-config.js';
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

describe('choosing the touch store', () => {
  it('is the warehouse\'s ClickHouse when there is one, else SQLite; an explicit engine wins', () => {
    const engine = (config: Record<string, unknown>) => {
      const c = resolveConfig(config, {}, {});
      return touchStoreEngine(c.tracker, c.warehouse.engine);
    };
    expect(engine({})).toBe('sqlite');
    expect(engine({ warehouse: { engine: 'clickhouse' } })).toBe('clickhouse');
    expect(engine({ warehouse: { engine: 'clickhouse' }, tracker: { touchStore: { engine: 'sqlite' } } })).toBe('sqlite');
    expect(engine({ tracker: { touchStore: { engine: 'memory' } } })).toBe('memory');
  });

  it('refuses the ClickHouse store without a ClickHouse warehouse, naming the key', () => {
    expect(() => resolveConfig({ tracker: { touchStore: { engine: 'clickhouse' } } }, {}, {})).toThrow(
      /tracker\.touchStore\.engine: the clickhouse touch store lives in the warehouse's ClickHouse: it needs warehouse\.engine = clickhouse/,
    );
  });
});

describe('touch facts (what the ClickHouse store writes)', () => {
  const touch = (utm_source: string, at: string) => ({ utm_source, at });
  const stampA = writeStamps('aaaaaaaa', () => 1_700_000_000_000);
  const stampB = writeStamps('bbbbbbbb', () => 1_700_000_000_000);
  const now = '2026-03-01T00:00:00.000Z';
  // three collectors' writes for one visitor, each from what it had read
  const facts = [
    factsOf({}, { first: touch('b', '2026-01-02T00:00:00.000Z'), last: touch('b', '2026-01-02T00:00:00.000Z'), seen: '2026-01-02T00:00:00.000Z' }, stampB(), now),
    factsOf({}, { first: touch('a', '2026-01-01T00:00:00.000Z'), last: touch('a', '2026-01-01T00:00:00.000Z'), seen: '2026-01-01T00:00:00.000Z' }, stampA(), now),
    factsOf({ first: touch('a', '2026-01-01T00:00:00.000Z') }, { first: touch('a', '2026-01-01T00:00:00.000Z'), session: { url: 'https://x.test/', at: '2026-01-03T00:00:00.000Z' }, seen: '2026-01-03T00:00:00.000Z' }, stampA(), now),
  ];
  const orders = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];

  it('merge to the same state in any order: earliest first, latest last and session, latest seen', () => {
    for (const order of orders) {
      const merged = order.reduce((acc, i) => mergeFacts(acc, facts[i]!), NO_FACTS);
      expect(stateOf(merged)).toEqual({
        first: touch('a', '2026-01-01T00:00:00.000Z'),
        last: touch('b', '2026-01-02T00:00:00.000Z'),
        session: { url: 'https://x.test/', at: '2026-01-03T00:00:00.000Z' },
        seen: '2026-01-03T00:00:00.000Z',
      });
    }
  });

  it('write only what the update changed; a fact merged twice changes nothing', () => {
    expect(facts[2]!.first).toBe('~'); // first was already stored: not written again
    expect(facts[2]!.last).toBe('');
    const once = mergeFacts(facts[0]!, facts[1]!);
    expect(mergeFacts(once, facts[1]!)).toEqual(once);
  });

  it('break ties between touches of the same time by write order, per writer', () => {
    const stamp = writeStamps('cccccccc', () => 1_700_000_000_000);
    const same = '2026-01-05T00:00:00.000Z';
    const earlier = factsOf({}, { first: touch('x', same), last: touch('x', same) }, stamp(), now);
    const later = factsOf({}, { first: touch('y', same), last: touch('y', same) }, stamp(), now);
    const s = stateOf(mergeFacts(later, earlier));
    expect(s?.first?.utm_source).toBe('x');
    expect(s?.last?.utm_source).toBe('y');
  });
});
