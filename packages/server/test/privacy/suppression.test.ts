/**
 * The suppression list and its checks: keyed hashes only (a copy of the control store holds no
 * identifier, and another pepper gives other hashes), emails matched whatever their case, every
 * place an event names its person (user id, anonymous id, traits, context traits, a quarantined
 * event's raw text), hostile shapes that name no one, and events already waiting in the spool
 * dropped by the loader (never loaded, never handed to forwarding).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlStorePath, openControlStore } from '../../src/control/control-store.js';
import { identifierHasher } from '../../src/privacy/identifier-hash.js';
import { isSuppressedEvent, isSuppressedRecord, isSuppressedRow } from '../../src/privacy/suppressed-event.js';
import { suppressionList, type SuppressionList } from '../../src/privacy/suppression-list.js';
import { startHarness, type Harness } from '../support/harness.js';

describe('the suppression list', () => {
  let h: Harness;
  let list: SuppressionList;
  beforeAll(async () => {
    h = await startHarness();
    list = h.suppressions;
    const hash = identifierHasher((JSON.parse(readFileSync(join(h.dataDir, 'secrets.json'), 'utf8')) as { tokenPepper: string }).tokenPepper);
    list.add('prv_test', ['u-1', 'anon-1', 'ada@example.com', '42'].map(hash), new Date().toISOString());
  });
  afterAll(async () => h?.dispose());

  it('stores keyed hashes, never the identifiers, and another pepper does not match them', () => {
    const store = openControlStore(controlStorePath(h.dataDir), { readOnly: true });
    try {
      const rows = store.db.prepare('SELECT * FROM suppressions').all();
      expect(rows).toHaveLength(4);
      // (Not /ada/: a hex hash holds those letters often enough to fail now and then.)
      expect(JSON.stringify(rows)).not.toMatch(/u-1|anon-1|ada@|example|"42"/);
      for (const r of rows as { hash: string }[]) expect(r.hash).toMatch(/^[0-9a-f]{64}$/);
      const other = identifierHasher('another-pepper');
      expect(rows.map((r) => (r as { hash: string }).hash)).not.toContain(other('u-1'));
    } finally {
      store.close();
    }
  });

  it('finds the person wherever an event names them, emails in any case', () => {
    expect(isSuppressedEvent(list, { userId: 'u-1' })).toBe(true);
    expect(isSuppressedEvent(list, { anonymousId: 'anon-1', userId: 'someone-else' })).toBe(true);
    expect(isSuppressedEvent(list, { userId: 42 })).toBe(true);
    expect(isSuppressedEvent(list, { traits: { email: '  ADA@Example.COM ' } })).toBe(true);
    expect(isSuppressedEvent(list, { context: { traits: { email: 'ada@example.com' } } })).toBe(true);
    expect(isSuppressedRow(list, JSON.stringify({ kind: 'event', user_id: 'u-1' }))).toBe(true);
    expect(isSuppressedRow(list, JSON.stringify({ kind: 'failed', raw: JSON.stringify({ anonymousId: 'anon-1', event: 7 }) }))).toBe(true);
    expect(isSuppressedRecord(list, { pk: 'crm-1', contact: { email: 'Ada@example.com' } })).toBe(true);
  });

  it('hostile shapes name no one and never throw', () => {
    for (const e of [null, undefined, 'u-1', ['u-1'], { userId: ['u-1'] }, { userId: { toString: 'u-1' } }, { traits: 'ada@example.com' }, { userId: 'u-1x' }, { userId: 'U-1' }]) {
      expect(isSuppressedEvent(list, e), JSON.stringify(e)).toBe(false);
    }
    for (const line of ['not json', '[1,2]', JSON.stringify({ kind: 'failed', raw: '{broken' }), JSON.stringify({ kind: 'failed', raw: 'u-1' })]) {
      expect(isSuppressedRow(list, line), line).toBe(false);
    }
  });

  it('an empty list answers without hashing anything', () => {
    const empty = suppressionList(h.people.store.db, () => {
      throw new Error('hashed');
    });
    empty.remove('prv_test');
    expect(empty.size).toBe(0);
    expect(isSuppressedEvent(empty, { userId: 'u-1' })).toBe(false);
  });
});

describe('ingest and the loader drop suppressed persons', () => {
  let h: Harness;
  let hash: (s: string) => string;
  const send = (batch: object[]) => h.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: h.auth }, payload: { batch } });
  beforeAll(async () => {
    h = await startHarness();
    hash = identifierHasher((JSON.parse(readFileSync(join(h.dataDir, 'secrets.json'), 'utf8')) as { tokenPepper: string }).tokenPepper);
  });
  afterAll(async () => h?.dispose());

  it('a batch with a suppressed event keeps the others; the suppressed one is neither stored, quarantined nor stamped', async () => {
    h.suppressions.add('prv_ingest', [hash('anon-gone')], new Date().toISOString());
    const before = h.suppressions.dropped.ingest;
    const res = await send([
      { type: 'page', anonymousId: 'anon-gone', messageId: 'gone-1', context: { page: { url: 'https://shop.example/?utm_source=x' } } },
      { type: 'track', anonymousId: 'anon-gone', messageId: 'gone-2' },
      { type: 'page', anonymousId: 'anon-kept', messageId: 'kept-1', context: { page: { url: 'https://shop.example/?utm_source=y' } } },
    ]);
    expect(res.statusCode).toBe(200);
    expect(h.suppressions.dropped.ingest - before).toBe(2);
    expect(await h.sql(`SELECT message_id FROM events`)).toEqual([{ message_id: 'kept-1' }]);
    expect(await h.sql(`SELECT count(*) AS n FROM failed_events`)).toEqual([{ n: 0 }]);
    expect(await h.touchStore.get('anon-gone')).toBeUndefined();
    expect(await h.touchStore.get('anon-kept')).toMatchObject({ first: { utm_source: 'y', url: 'https://shop.example/?utm_source=y' } });
  });

  it('events already waiting in the spool when the suppression comes are dropped by the loader', async () => {
    await h.loader.stop();
    const res = await send([
      { type: 'track', userId: 'u-spooled', event: 'Waiting', messageId: 'spooled-1' },
      { type: 'track', userId: 'u-spooled', messageId: 'spooled-bad' },
      { type: 'track', userId: 'u-other', event: 'Waiting', messageId: 'spooled-2' },
    ]);
    expect(res.statusCode).toBe(200);
    h.suppressions.add('prv_spool', [hash('u-spooled')], new Date().toISOString());
    await h.loader.flush();
    expect(await h.sql(`SELECT message_id FROM events WHERE message_id LIKE 'spooled-%'`)).toEqual([{ message_id: 'spooled-2' }]);
    expect(await h.sql(`SELECT count(*) AS n FROM failed_events WHERE message_id = 'spooled-bad'`)).toEqual([{ n: 0 }]);
  });
});
