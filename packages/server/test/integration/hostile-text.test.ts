/**
 * Hostile text through a whole Touchline, on DuckDB and on ClickHouse 18.16: ids, event names,
 * property keys and trait values holding NUL, quotes, backslashes, placeholders, comment openers,
 * lone surrogates, U+2028/2029 and 10 KB, sent through every endpoint (track, page, screen,
 * identify, alias, group, batch, the tracker endpoint), with hostile configuration too
 * (conversion names, junk ids, a channel rule). Then: every derived view reads, attribution runs,
 * the server restarts, and each accepted event is byte for byte what was sent (as UTF-8 holds
 * it: a lone surrogate as U+FFFD), each refused one quarantined with a reason naming its field.
 * One alias whose userId holds a NUL byte once broke every identity refresh and then the start.
 */
import fc from 'fast-check';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAttribution } from '../../src/attribute/run-attribution.js';
import { resolveConfig, type Config } from '../../src/config/config.js';
import { startTouchline, type Touchline } from '../../src/server.js';
import { wellFormed } from '../../src/warehouse/dialect/well-formed.js';
import { startClickHouseServer, clickhouseSkipReason, type ClickHouseTestServer } from '../support/clickhouse-server.js';
import { SPECIAL_TEXT, hostileText } from '../support/hostile-text.js';

const SEED = 20_261_207;
const CHROME = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
/** What the collector stores for a string field: '' is no value; UTF-8 holds a lone surrogate as U+FFFD. */
const stored = (s: string): string | null => (s === '' ? null : wellFormed(s));

/** The configured values are hostile too: conversion names, junk ids, a channel rule. */
const CONVERSION_EVENTS = ["Order 'Completed' \\ $p1 -- /*", 'Paid\u0000Order\u2028'];
const EVIL_SOURCE = "evil' \\ $p2 \u2029 --src";
const EVIL_CHANNEL = "Evil ' \\ \u2028 channel";
const ALIAS_NUL = { previousId: 'anon-before-nul', userId: 'user\u0000with-nul' };

function configInput(): Record<string, unknown> {
  return {
    tracker: { siteDomains: ['shop.test'] },
    attribution: {
      conversions: [{ name: "Conversion 'named' \\", events: CONVERSION_EVENTS }],
      identity: { junkIds: ["junk ' id", 'junk\\id', 'junk\u0000id'] },
      channels: { rules: [{ channel: EVIL_CHANNEL, when: { field: 'source', op: 'exact', value: EVIL_SOURCE } }, { include: 'ga4' }] },
    },
  };
}

interface Sent {
  readonly messageId: string;
  readonly type: string;
  readonly event: Record<string, unknown>;
  /** The tracker endpoint replaces `anonymousId` with its visitor id. */
  readonly viaTracker: boolean;
}

/** A request to one endpoint; `events` are the events it carries. */
interface Call {
  readonly url: string;
  readonly body: Record<string, unknown>;
  readonly events: Sent[];
}

function plan(texts: readonly string[]): Call[] {
  let n = 0;
  const id = () => `hx-${++n}`;
  // A URL holds UTF-8: a lone surrogate is sent as U+FFFD, as a browser would.
  const url = (param: string, s: string) => `https://www.shop.test/landing?${param}=${encodeURIComponent(wellFormed(s))}`;
  const calls: Call[] = [];
  const single = (type: string, event: Record<string, unknown>) => {
    const e = { ...event, messageId: id() };
    calls.push({ url: `/v1/${type}`, body: e, events: [{ messageId: e.messageId, type, event: e, viaTracker: false }] });
  };
  texts.forEach((s, i) => {
    const t = texts[(i + 1) % texts.length]!;
    single('track', { anonymousId: s, userId: t, event: s, properties: { [s]: t, n: i }, context: { page: { url: url('utm_source', s) } } });
    single('page', { anonymousId: t, name: s, properties: { [t]: s }, context: { page: { url: url('utm_campaign', s) } } });
    single('screen', { userId: s, name: t });
    single('identify', { anonymousId: s, userId: t, traits: { email: s, [t]: s } });
    single('alias', { previousId: s, userId: t });
    single('group', { userId: s, groupId: t, traits: { [s]: t } });
    const batch = [
      { type: 'track', messageId: id(), userId: t, event: CONVERSION_EVENTS[i % 2], properties: { revenue: i, [t]: s } },
      { type: 'identify', messageId: id(), userId: s, traits: { [t]: t } },
      { type: 'alias', messageId: id(), previousId: t, userId: s },
    ];
    calls.push({ url: '/v1/batch', body: { batch }, events: batch.map((e) => ({ messageId: e.messageId, type: e.type, event: e, viaTracker: false })) });
    const tracked = { type: 'track', messageId: id(), userId: s, event: t, properties: { [t]: s }, context: { consent: { analytics_storage: true }, page: { url: url('utm_source', t) } } };
    calls.push({ url: '/_t/b', body: { batch: [tracked] }, events: [{ messageId: tracked.messageId, type: 'track', event: tracked, viaTracker: true }] });
  });
  // The alias that once stopped the server, with the events that make its two ids one person.
  single('page', { anonymousId: ALIAS_NUL.previousId, context: { page: { url: url('utm_source', EVIL_SOURCE) } } });
  single('alias', ALIAS_NUL);
  single('track', { userId: ALIAS_NUL.userId, event: CONVERSION_EVENTS[1], properties: { revenue: 42 } });
  // A configured junk id: identity resolution ignores it and says so in identity_warnings.
  single('identify', { anonymousId: "junk ' id", userId: 'someone' });
  return calls;
}

/** The columns of an accepted event, as they must read back. */
function expectedRow(s: Sent): Record<string, unknown> {
  const e = s.event;
  const str = (k: string) => (typeof e[k] === 'string' ? stored(e[k] as string) : null);
  const json = (k: string) => {
    const o = e[k] as Record<string, unknown> | undefined;
    return o === undefined ? null : Object.fromEntries(Object.entries(o).map(([key, v]) => [wellFormed(key), typeof v === 'string' ? wellFormed(v) : v]));
  };
  return {
    type: s.type,
    ...(s.viaTracker ? {} : { anonymous_id: str('anonymousId') }),
    user_id: str('userId'),
    event: str('event'),
    name: str('name'),
    group_id: str('groupId'),
    previous_id: str('previousId'),
    properties: json('properties'),
    traits: json('traits'),
  };
}

const DERIVED_VIEWS = ['id_links', 'id_map', 'identity_warnings', 'sessions', 'touches', 'conversions', 'persons'];

function describeHostileTouchline(engine: 'duckdb' | 'clickhouse'): void {
  describe(`hostile text through Touchline on ${engine}`, () => {
    let server: ClickHouseTestServer | undefined;
    let dataDir: string;
    let config: Config;
    let t: Touchline | undefined;
    const logs: string[] = [];
    const texts = [...SPECIAL_TEXT, ...fc.sample(hostileText, { seed: SEED, numRuns: 40 })];
    const calls = plan(texts);
    const accepted = new Map<string, Sent>();
    const refused = new Map<string, { sent: Sent; reason: string; field: string }>();
    /** Requests over the size limit: answered 413 naming the limit, nothing kept. */
    const tooLarge = new Set<string>();

    const start = async () => {
      t = await startTouchline(config, { listen: false, log: (msg, fields) => logs.push(`${msg} ${JSON.stringify(fields ?? {})}`) });
    };
    const rows = async (sql: string, params?: Record<string, string>) => {
      const r = await t!.warehouse.query(sql, params ? { params } : {});
      return r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i]])));
    };

    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), `touchline-hostile-${engine}-`));
      const warehouse: Record<string, unknown> = { engine };
      if (engine === 'clickhouse') {
        server = await startClickHouseServer();
        warehouse['clickhouse'] = { url: server.url, database: 'touchline_hostile' };
      }
      config = resolveConfig({ dataDir, port: 0, host: '127.0.0.1', writeKey: 'wk-hostile-0123456789', warehouse, ...configInput() }, {}, {});
      await start();
    });
    afterAll(async () => {
      await t?.close();
      await server?.dispose();
      await rm(dataDir, { recursive: true, force: true });
    });

    it('answers every request: each event accepted, or refused with a reason naming its field', async () => {
      const auth = 'Basic ' + Buffer.from(`${t!.writeKey}:`).toString('base64');
      for (const call of calls) {
        const tracker = call.url === '/_t/b';
        const res = await t!.app.inject({
          method: 'POST',
          url: call.url,
          headers: tracker
            ? { 'content-type': 'text/plain;charset=UTF-8', host: 'www.shop.test', 'user-agent': CHROME }
            : // a browser's agent: a bot's events make no sessions
              { authorization: auth, 'content-type': 'application/json', 'user-agent': CHROME },
          payload: JSON.stringify(tracker ? { ...call.body, writeKey: t!.writeKey, sentAt: new Date().toISOString() } : call.body),
        });
        const body = res.json() as { rejected?: { index: number; reason: string; field: string }[]; message?: string; field?: string; limit?: string };
        if (res.statusCode === 413) {
          expect(body.limit).toMatch(/^limits\.max(Event|Batch)Bytes$/);
          for (const sent of call.events) tooLarge.add(sent.messageId);
          continue;
        }
        expect([200, 400], `${call.url}: ${res.body}`).toContain(res.statusCode);
        call.events.forEach((sent, i) => {
          const batchRefusal = body.rejected?.find((r) => r.index === i);
          const single = res.statusCode === 400 && call.events.length === 1 && !tracker ? { reason: body.message ?? '', field: body.field ?? '' } : undefined;
          const refusal = batchRefusal ?? single;
          if (refusal) refused.set(sent.messageId, { sent, ...refusal });
          else accepted.set(sent.messageId, sent);
        });
      }
      for (const { reason, field } of refused.values()) {
        expect(reason.length).toBeGreaterThan(10);
        expect(reason).toContain(field === '' ? 'event' : field);
      }
      // Most of the hostile events are fine Segment events; some are refused (an id over 512
      // characters, an empty event name, a 10 KB property over the event size limit).
      const events = calls.reduce((n, c) => n + c.events.length, 0);
      expect(accepted.size).toBeGreaterThan(events / 2);
      expect(refused.size).toBeGreaterThan(0);
      expect(tooLarge.size).toBeGreaterThan(0);
    });

    /** Every accepted event, column by column, exactly as sent. */
    async function expectEventsIntact(): Promise<void> {
      const got = await rows(
        `SELECT message_id, type, anonymous_id, user_id, event, name, group_id, previous_id, properties, traits FROM events WHERE message_id LIKE 'hx-%'`,
      );
      const byId = new Map(got.map((r) => [String(r['message_id']), r]));
      expect([...byId.keys()].sort()).toEqual([...accepted.keys()].sort());
      for (const sent of accepted.values()) {
        const r = byId.get(sent.messageId)!;
        const parse = (v: unknown) => (v === null ? null : (JSON.parse(String(v)) as unknown));
        const actual: Record<string, unknown> = { ...r, properties: parse(r['properties']), traits: parse(r['traits']) };
        delete actual['message_id'];
        if (sent.viaTracker) delete actual['anonymous_id'];
        expect(actual, sent.messageId).toEqual(expectedRow(sent));
      }
    }

    it('loads every accepted event byte for byte, and quarantines every refused one with its reason', async () => {
      await t!.loader.flush();
      await expectEventsIntact();
      const failed = await rows(`SELECT message_id, reason, field, raw FROM failed_events WHERE message_id LIKE 'hx-%'`);
      expect(new Set(failed.map((f) => String(f['message_id'])))).toEqual(new Set(refused.keys()));
      for (const f of failed) {
        const r = refused.get(String(f['message_id']))!;
        expect(f['reason']).toBe(r.reason);
        expect(JSON.parse(String(f['raw']))).toMatchObject({ messageId: r.sent.messageId });
      }
      expect(logs.filter((l) => /fail/i.test(l))).toEqual([]);
    });

    it('reads every derived view, and resolves the alias whose userId holds a NUL byte', async () => {
      for (const view of DERIVED_VIEWS) {
        const r = await t!.warehouse.query(`SELECT * FROM ${view}`);
        expect(r.rows.length, view).toBeGreaterThan(0);
      }
      expect(await rows(`SELECT root_id FROM id_map WHERE id = $id`, { id: ALIAS_NUL.previousId })).toEqual([{ root_id: ALIAS_NUL.userId }]);
      // The configured junk id (a quote in it) is ignored, and said so.
      expect(await rows(`SELECT warning FROM identity_warnings WHERE id = $id`, { id: "junk ' id" })).toContainEqual({ warning: 'junk_id' });
      const holds = t!.warehouse.engine === 'duckdb' ? 'list_contains(user_ids, $u)' : 'has(user_ids, $u)';
      const persons = await rows(`SELECT user_ids, anonymous_ids FROM persons WHERE ${holds}`, { u: ALIAS_NUL.userId });
      expect(persons).toEqual([{ user_ids: [ALIAS_NUL.userId], anonymous_ids: [ALIAS_NUL.previousId] }]);
      // The configured channel rule, quotes and all, labels the landing with the hostile source.
      const evil = await rows(`SELECT channel, source FROM sessions WHERE device_id = $d`, { d: ALIAS_NUL.previousId });
      expect(evil).toEqual([{ channel: EVIL_CHANNEL, source: EVIL_SOURCE }]);
      // Conversions under the hostile configured names.
      const conversions = [...accepted.values()].filter((s) => s.type === 'track' && CONVERSION_EVENTS.includes(String(s.event['event'])));
      expect(await rows(`SELECT count(*) AS n FROM conversions`)).toEqual([{ n: conversions.length }]);
    });

    const attribute = async () => {
      const configured = await runAttribution(t!.warehouse, config, { models: ['first_touch', 'linear', 'markov'] }, { sessionsFresh: () => t!.derived.sessionsFresh() });
      const conversions = [...accepted.values()].filter((s) => s.type === 'track' && CONVERSION_EVENTS.includes(String(s.event['event'])));
      expect(configured.totals.conversions).toBe(conversions.length);
      expect(configured.models.find((m) => m.model === 'first_touch')?.credits[EVIL_CHANNEL]?.conversions).toBeGreaterThanOrEqual(1);
      // `--conversions` and `--since` as a user types them: values, bound.
      const named = await runAttribution(
        t!.warehouse,
        config,
        { models: ['last_touch'], conversions: [CONVERSION_EVENTS[1]!, "x'); DROP TABLE events; --"], since: '2000-01-01T00:00:00.000Z' },
        { sessionsFresh: () => t!.derived.sessionsFresh() },
      );
      expect(named.totals.conversions).toBe(conversions.filter((s) => s.event['event'] === CONVERSION_EVENTS[1]).length);
    };

    it('runs touchline attribute over it', attribute);

    it('starts again on the same data, with every event intact, every view readable, attribution running', async () => {
      await t!.close();
      t = undefined;
      await start();
      await expectEventsIntact();
      for (const view of DERIVED_VIEWS) await t!.warehouse.query(`SELECT count(*) FROM ${view}`);
      expect(await rows(`SELECT root_id FROM id_map WHERE id = $id`, { id: ALIAS_NUL.previousId })).toEqual([{ root_id: ALIAS_NUL.userId }]);
      await attribute();
      expect(logs.filter((l) => /fail/i.test(l))).toEqual([]);
    });
  });
}

describeHostileTouchline('duckdb');
describe.skipIf(clickhouseSkipReason() !== null)('clickhouse 18.16', () => describeHostileTouchline('clickhouse'));
