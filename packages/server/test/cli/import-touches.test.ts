/**
 * `touchline import` stamps imported events with their visitors' touches in event-time order, and
 * importing history older than what the collector already stamped makes the older touch the first
 * touch in the views while the stamps already stored stay as they were.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventTimeOf, inEventTimeOrder } from '../../src/cli/commands/event-time-order.js';
import { importFile } from '../../src/cli/commands/import.js';
import { resolveConfig, type Config } from '../../src/config/config.js';
import { startTouchline } from '../../src/server.js';

// Relative to now: the touch store forgets visitors not seen for a year (their cookie expired).
const BASE = Date.now() - 60 * 86_400_000;
const day = (d: number) => new Date(BASE + d * 86_400_000).toISOString();
const page = (id: string, anon: string, d: number, url: string, referrer?: string) =>
  ({ type: 'page', messageId: id, anonymousId: anon, timestamp: day(d), properties: { url, ...(referrer ? { referrer } : {}) } });

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
async function* from<T>(xs: readonly T[]): AsyncGenerator<T> {
  yield* xs;
}

describe('event-time order within a window', () => {
  const ev = (t: string | undefined, id: string) => ({ messageId: id, ...(t ? { timestamp: t } : {}) });

  it('sorts events out of order by less than the window, keeps ties in file order, puts timeless events last', async () => {
    const input = [ev(day(3), 'c'), ev(day(1), 'a'), ev(undefined, 'none'), ev(day(2), 'b1'), ev(day(2), 'b2'), 'not json', ev('yesterday', 'bad')];
    let late = 0;
    const out = await collect(inEventTimeOrder(from(input), eventTimeOf, 10, () => late++));
    expect(out.map((e) => (typeof e === 'string' ? e : e.messageId))).toEqual(['not json', 'a', 'b1', 'b2', 'c', 'none', 'bad']);
    expect(late).toBe(0);
  });

  it('counts what is further out of order than the window, and still passes it on', async () => {
    const input = [ev(day(5), 'e'), ev(day(6), 'f'), ev(day(7), 'g'), ev(day(1), 'a')];
    let late = 0;
    const out = await collect(inEventTimeOrder(from(input), eventTimeOf, 2, () => late++));
    expect(out.map((e) => e.messageId)).toEqual(['e', 'a', 'f', 'g']);
    expect(late).toBe(1);
  });

  it('refuses a window that is not a whole number of events', async () => {
    for (const w of [0, -1, 1.5, NaN]) await expect(collect(inEventTimeOrder(from([1]), () => 0, w))).rejects.toThrow(/ordering window/);
  });
});

describe('touchline import stamps touches', () => {
  let dir: string;
  let config: Config;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'touchline-import-touches-'));
    config = resolveConfig({ dataDir: dir, port: 0, host: '127.0.0.1' }, {}, {});
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const query = async (sql: string) => {
    const t = await startTouchline(config, { listen: false, log: () => undefined });
    try {
      await t.loader.flush();
      const r = await t.warehouse.query(sql);
      return r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i]])));
    } finally {
      await t.close();
    }
  };

  it('in event-time order, whatever the order of the file', async () => {
    const file = join(dir, 'history.ndjson');
    // the file lists the later visit first
    await writeFile(file, [
      page('hx-2', 'hx-visitor', 9, 'https://www.shop.test/?utm_source=google&utm_medium=cpc&gclid=G-hx', 'https://www.google.com/'),
      page('hx-1', 'hx-visitor', 2, 'https://www.shop.test/?utm_source=newsletter&utm_medium=email'),
      { type: 'track', event: 'Order Completed', messageId: 'hx-3', anonymousId: 'hx-visitor', timestamp: day(10), properties: { value: 30 } },
    ].map((e) => JSON.stringify(e)).join('\n') + '\n');
    const s = await importFile(config, file, { progress: false });
    expect(s).toMatchObject({ lines: 3, accepted: 3, lateEvents: 0 });
    expect(await query(`select message_id, first_utm_source, last_utm_source, last_touch_at from events where anonymous_id = 'hx-visitor' order by "timestamp"`)).toEqual([
      { message_id: 'hx-1', first_utm_source: 'newsletter', last_utm_source: 'newsletter', last_touch_at: day(2) },
      { message_id: 'hx-2', first_utm_source: 'newsletter', last_utm_source: 'google', last_touch_at: day(9) },
      { message_id: 'hx-3', first_utm_source: 'newsletter', last_utm_source: 'google', last_touch_at: day(9) },
    ]);
  });

  it('history older than a visitor\'s stamped first touch becomes the first touch in the views; stored stamps stay', async () => {
    // live: the collector sees the visitor arrive from a podcast (day 20)
    const live = await startTouchline(config, { listen: false, log: () => undefined });
    try {
      const auth = 'Basic ' + Buffer.from(live.writeKey + ':').toString('base64');
      const r = await live.app.inject({
        method: 'POST',
        url: '/v1/page',
        headers: { authorization: auth, 'content-type': 'application/json' },
        payload: JSON.stringify(page('old-live', 'old-visitor', 20, 'https://www.shop.test/?utm_source=podcast&utm_medium=audio')),
      });
      expect(r.statusCode, r.body).toBe(200);
    } finally {
      await live.close();
    }
    // then the CRM's web history is imported: the visitor first came from LinkedIn on day 3
    const file = join(dir, 'older.ndjson');
    await writeFile(file, JSON.stringify(page('old-1', 'old-visitor', 3, 'https://www.shop.test/?utm_source=linkedin&utm_medium=paid_social&li_fat_id=LI-old', 'https://www.linkedin.com/')) + '\n');
    expect(await importFile(config, file, { progress: false })).toMatchObject({ accepted: 1 });

    const rows = await query(`select message_id, first_utm_source from events where anonymous_id = 'old-visitor' order by "timestamp"`);
    // the stamps are what the collector knew when each event arrived: the podcast was first then
    expect(rows).toEqual([
      { message_id: 'old-1', first_utm_source: 'podcast' },
      { message_id: 'old-live', first_utm_source: 'podcast' },
    ]);
    // the views derive touches from every event by event time: LinkedIn is the first touch
    expect(await query(`select first_touch_at, first_touch_source, first_touch_click_id, last_touch_source from persons where list_contains(anonymous_ids, 'old-visitor')`)).toEqual([
      { first_touch_at: day(3), first_touch_source: 'linkedin', first_touch_click_id: 'LI-old', last_touch_source: 'podcast' },
    ]);
  });
});
