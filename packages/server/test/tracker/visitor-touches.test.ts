import { touchFromLanding as at } from '@touchline/protocol';
import { describe, expect, it } from 'vitest';
import { applyEventTouch, landingOf } from '../../src/tracker-endpoint/visitor-touches.js';

const rules = { siteDomains: [] as string[] };
const T0 = '2025-03-01T10:00:00.000Z';
const later = (min: number) => new Date(Date.parse(T0) + min * 60_000).toISOString();

describe('landingOf', () => {
  it('a page view brings its URL and referrer; other events only their URL', () => {
    const page = { type: 'page', context: { page: { url: 'https://www.shop.test/?utm_source=a', referrer: 'https://news.test/' } } };
    expect(landingOf(page)).toEqual({ url: 'https://www.shop.test/?utm_source=a', utm_source: 'a', referrer: 'https://news.test/', referrer_domain: 'news.test' });
    const track = { type: 'track', context: { page: { url: 'https://www.shop.test/x', referrer: 'https://news.test/' } } };
    expect(landingOf(track)).toEqual({ url: 'https://www.shop.test/x' });
    expect(landingOf({ type: 'track', event: 'server side' })).toBeUndefined();
    // Segment's page properties stand in for context.page
    expect(landingOf({ type: 'page', properties: { url: 'https://www.shop.test/?gclid=G-1', referrer: '' } })).toMatchObject({ click_id: 'G-1' });
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
