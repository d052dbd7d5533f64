import { touchFromLanding as at } from '@touchline/protocol';
import { describe, expect, it } from 'vitest';
import { applyEvent, applyEventTouch, landingOf } from '../../src/tracker-endpoint/visitor-touches.js';

const rules = { siteDomains: [] as string[] };
const T0 = '2025-03-01T10:00:00.000Z';
const later = (min: number) => new Date(Date.parse(T0) + min * 60_000).toISOString();

describe('landingOf', () => {
  it('an arrival (page, screen) brings its URL and referrer; no other event brings a landing, even on a tagged URL', () => {
    const page = { type: 'page', context: { page: { url: 'https://www.shop.test/?utm_source=a', referrer: 'https://news.test/' } } };
    expect(landingOf(page)).toEqual({ url: 'https://www.shop.test/?utm_source=a', utm_source: 'a', referrer: 'https://news.test/', referrer_domain: 'news.test' });
    for (const type of ['track', 'identify', 'group', 'alias']) {
      const e = { type, context: { page: { url: 'https://www.shop.test/x?utm_source=a&gclid=G', referrer: 'https://news.test/' } } };
      expect(landingOf(e), type).toBeUndefined();
    }
    expect(landingOf({ type: 'track', event: 'server side' })).toBeUndefined();
    // Segment's page properties stand in for context.page
    expect(landingOf({ type: 'page', properties: { url: 'https://www.shop.test/?gclid=G-1', referrer: '' } })).toMatchObject({ click_id: 'G-1' });
    // an app's screen view names no page: a direct arrival
    expect(landingOf({ type: 'screen', name: 'Home' })).toEqual({});
  });
});

describe('applyEvent', () => {
  const tagged = (type: string) => ({ type, context: { page: { url: 'https://www.shop.test/?utm_source=spring', referrer: 'https://mail.test/' } } });

  it('a track on a tagged URL, 45 minutes after the landing, makes no touch and opens no session; it keeps the session open', () => {
    const s = applyEvent({}, tagged('page'), T0, rules);
    const t = applyEvent(s, tagged('track'), later(45), rules);
    expect(t).toEqual({ ...s, seen: later(45) });
    // the next page view 10 minutes later is inside the session that activity kept open
    const back = applyEvent(t, { type: 'page', context: { page: { url: 'https://www.shop.test/cart', referrer: 'https://www.shop.test/' } } }, later(55), rules);
    expect(back.session).toEqual(s.session);
  });

  it('an event naming no page changes nothing (a server-side track or a CRM identify is no activity on the site)', () => {
    const s = applyEvent({}, tagged('page'), T0, rules);
    expect(applyEvent(s, { type: 'track', event: 'Invoice Paid' }, later(5), rules)).toBe(s);
    expect(applyEvent(s, { type: 'identify', userId: 'u' }, later(5), rules)).toBe(s);
  });

  it('late activity (older than the last) changes nothing', () => {
    const s = applyEvent({}, tagged('page'), later(10), rules);
    expect(applyEvent(s, tagged('track'), T0, rules)).toBe(s);
  });
});

describe('applyEventTouch', () => {
  it('a referrer from another host of the page\'s own site is internal (direct), another site is a referral', () => {
    const internal = applyEventTouch({}, { url: 'https://www.shop.co.uk/', referrer_domain: 'blog.shop.co.uk' }, T0, rules);
    expect(internal.first).toBeUndefined();
    const referral = applyEventTouch({}, { url: 'https://www.shop.co.uk/', referrer_domain: 'other.co.uk' }, T0, rules);
    expect(referral.first).toMatchObject({ referrer_domain: 'other.co.uk', at: T0 });
  });

  it('an event older than the last activity only fills a missing first touch', () => {
    const s = applyEventTouch({}, at('https://www.shop.test/?utm_source=new', undefined), later(10), rules);
    expect(applyEventTouch(s, at('https://www.shop.test/?utm_source=old', undefined), T0, rules)).toBe(s);
    const direct = applyEventTouch({}, { url: 'https://www.shop.test/' }, later(10), rules);
    const filled = applyEventTouch(direct, at('https://www.shop.test/?utm_source=old', undefined), T0, rules);
    expect(filled.first).toMatchObject({ utm_source: 'old', at: T0 });
    expect(filled.last).toBeUndefined();
  });

  it('follows the configured session timeout for repeats of the same campaign', () => {
    const land = at('https://www.shop.test/?utm_source=a', undefined);
    const s = applyEventTouch({}, land, T0, rules);
    expect(applyEventTouch(s, land, later(20), rules).last?.at).toBe(T0); // same session: a repeat
    expect(applyEventTouch(s, land, later(20), { ...rules, sessionTimeoutMs: 10 * 60_000 }).last?.at).toBe(later(20));
  });
});
