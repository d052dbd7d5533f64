/**
 * The spool line is written column by column (src/collector/event-line.ts) instead of building a
 * row object and stringifying it. The loader parses that line, so the new writer must give the
 * very text today's builder gave (kept as test/support/legacy-event-row.ts): same columns, same
 * order, same escaping, for every event type, hostile text, big numbers and nested blobs.
 */
import { validateEvent, type SegmentEvent } from '@touchline/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quote } from '../../src/collector/event-line.js';
import { buildEventRow, type RequestFacts, type RowBuilderDeps } from '../../src/collector/event-row.js';
import { createUserAgentParser } from '../../src/collector/user-agent.js';
import type { PlanMark } from '../../src/plans/plan-gate.js';
import { hostileText, SPECIAL_TEXT } from '../support/hostile-text.js';
import { legacyBuildEventRow } from '../support/legacy-event-row.js';
import { facts } from '../support/rows.js';

const SAFARI = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15';
const BOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const HOSTILE = SPECIAL_TEXT.join('') + '\ud800 \udfff x\\ud800 "\u{1F600}"';
const touch = { at: '2026-02-01T10:00:00.000Z', url: 'https://shop.test/?utm_source=g&gclid=abc', referrer: 'https://www.google.com/', utm_source: 'g', click_id_type: 'gclid', click_id: 'abc' };

const CORPUS: readonly Record<string, unknown>[] = [
  { type: 'track', anonymousId: 'a-1', event: 'Order Completed', properties: { total: 12.5, big: 2 ** 53 + 2, huge: 1e21, tiny: 5e-324, neg: -0, nested: { a: [1, { b: [null, true, 'ü'] }] } } },
  { type: 'page', anonymousId: 'a-2', name: 'Home', properties: { url: 'https://shop.test/p?x=1&utm_campaign=spring&fbclid=F1&gclid=G1', referrer: 'https://t.co/x', title: 'Grüße 日本' } },
  { type: 'screen', userId: 'u-1', name: 'Checkout', properties: { step: 2 }, context: { sessionId: 1712.25, library: { name: 'ios', version: 3 } } },
  { type: 'identify', userId: 'u-2', context: { traits: { email: 'a@b.test', plan: 'pro' }, locale: 'de-DE', timezone: 'Europe/Berlin' } },
  { type: 'identify', userId: 'u-3', traits: { name: HOSTILE }, context: { traits: { kept: 1 } } },
  { type: 'group', userId: 'u-4', groupId: 'g-1', traits: { employees: 1e308, name: 'Acme' } },
  { type: 'alias', userId: 'u-5', previousId: 'a-5', timestamp: '2026-02-28T23:59:59.999Z', sentAt: '2026-03-01T11:59:00.000Z' },
  {
    type: 'track', anonymousId: HOSTILE, event: HOSTILE, messageId: 'm-hostile', properties: { [HOSTILE]: HOSTILE, list: [HOSTILE, '\u2028'] },
    context: {
      page: { url: `https://shop.test/${encodeURIComponent(SPECIAL_TEXT.join(""))}?q=${HOSTILE}`, path: '/x', search: '', title: HOSTILE, referrer: HOSTILE },
      userAgent: SAFARI, ip: '198.51.100.7', sessionId: 1.5e300, gpc: '1', consent: { analytics_storage: 'granted', ad_user_data: 'denied' },
      campaign: { name: 'spring', source: 'news', medium: '', term: 'other' }, touches: { first: touch, last: { ...touch, at: 'not a time', utm_source: 7 } },
      extra: { deep: { deeper: [HOSTILE] } },
    },
  },
  { type: 'track', anonymousId: 'bot-1', event: 'Viewed', context: { userAgent: BOT, touches: { first: touch }, page: { url: 'not a url', referrer: '' } } },
  { type: 'track', anonymousId: 'a-6', event: 'Campaign', context: { campaign: { name: 'summer', source: 'mail' }, page: { url: 'https://shop.test/?utm_campaign=summer&utm_source=mail' }, library: { name: 'n', version: '1', extra: 'kept' } } },
];

function deps(): RowBuilderDeps {
  let n = 0;
  return { parseUserAgent: createUserAgentParser(), newMessageId: () => `gen-${++n}`, ipTruncation: 'last-octet', maxEventBytes: 64 * 1024 };
}

function validated(raw: Record<string, unknown>): SegmentEvent {
  const v = validateEvent(raw);
  if (!v.ok) throw new Error(`corpus event is invalid: ${v.reason}`);
  return v.event;
}

/** Both builders on the same event: the new line must be the old one, character for character. */
function expectSameLine(e: SegmentEvent, req: RequestFacts, plan?: PlanMark): string {
  const now = buildEventRow(e, req, deps(), plan);
  const before = legacyBuildEventRow(e, req, deps(), plan);
  expect(now).toEqual(before);
  return now.ok ? now.line : '';
}

describe('the spool line written column by column', () => {
  it('is the line the row object gave, for every event type, hostile text, big numbers and nested blobs', () => {
    const types = new Set<string>();
    for (const [i, raw] of CORPUS.entries()) {
      const req = facts({ sentAt: i % 2 ? '2026-03-01T11:58:00.000Z' : undefined, gpc: i % 3 === 0, userAgent: i % 4 ? SAFARI : undefined });
      const line = expectSameLine(validated(raw), req, i === 1 ? { plan_version: 'v3', plan_violations: [{ rule: 'x', field: 'y' } as never] } : undefined);
      types.add(JSON.parse(line).type);
    }
    expect([...types].sort()).toEqual(['alias', 'group', 'identify', 'page', 'screen', 'track']);
  });

  it('keeps the columns the old line had where they land (is_bot among the agent columns, a plan mark last)', () => {
    const line = expectSameLine(validated(CORPUS[0]!), facts(), { plan_version: 'v1' });
    const keys = Object.keys(JSON.parse(line) as object);
    expect(keys[0]).toBe('kind');
    expect(keys.at(-1)).toBe('plan_version');
    expect(keys.indexOf('is_bot')).toBeGreaterThan(keys.indexOf('browser'));
  });

  it('refuses what cannot be serialised as the row object did', () => {
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 20_000; i++) deep = (deep['x'] = {}) as Record<string, unknown>;
    const e = { type: 'track', anonymousId: 'a', event: 'Deep', properties: root } as unknown as SegmentEvent;
    const now = buildEventRow(e, facts(), deps());
    expect(now.ok).toBe(false);
    expect(now).toEqual(legacyBuildEventRow(e, facts(), deps()));
  });

  it('quotes a string as JSON.stringify does, whatever it holds', () => {
    for (const s of [...SPECIAL_TEXT, '\ud800', 'a\udfffb', '\u{1F600}', '']) expect(quote(s)).toBe(JSON.stringify(s));
    fc.assert(fc.property(fc.oneof(hostileText, fc.string({ unit: 'binary' })), (s) => quote(s) === JSON.stringify(s)), { numRuns: 500 });
  });

  it('is the same line for arbitrary hostile text in every field a row copies', () => {
    fc.assert(
      fc.property(hostileText, hostileText, hostileText, fc.double(), (a, b, c, n) => {
        const e = validateEvent({
          type: 'page', anonymousId: a || 'x', name: b, category: c, properties: { [a]: b, n, list: [c, n] },
          context: { page: { url: `https://s.test/${b}?utm_source=${c}`, title: a, referrer: c }, campaign: { name: b }, userAgent: a, locale: c, sessionId: n, [b]: a },
        });
        if (e.ok) expectSameLine(e.event, facts());
      }),
      { numRuns: 150 },
    );
  });
});
