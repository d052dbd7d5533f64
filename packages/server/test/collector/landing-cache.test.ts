/**
 * The collector parses each distinct page URL and referrer once: the cached landing must be what a
 * fresh parse gives, two pairs must never share a key, and what one event's `context.campaign`
 * adds must never reach the next event on the same page.
 */
import { touchFromLanding } from '@touchline/protocol';
import { describe, expect, it } from 'vitest';
import { createLandingCache } from '../../src/collector/landing-cache.js';
import { eventLine } from '../support/rows.js';

const LANDINGS: [string | undefined, string | undefined][] = [
  ['https://www.shop.test/p/1?utm_source=google&utm_medium=cpc&gclid=Cj0&fbclid=IwAR', 'https://www.google.com/search?q=x'],
  ['https://shop.test/', undefined],
  [undefined, 'https://news.test/a'],
  ['not a url ?utm_source=mail', 'android-app://com.google.android.gm/'],
  ['https://shop.test/p?', ''],
];

function parsedUrl(url: string | undefined): URL | undefined {
  try {
    return url ? new URL(url) : undefined;
  } catch {
    return undefined;
  }
}

describe('landing cache', () => {
  it('gives what a fresh parse gives, hit or miss, and the same object on a hit', () => {
    const landingOf = createLandingCache();
    for (const [url, referrer] of LANDINGS) {
      const first = landingOf(url, referrer);
      const parsed = parsedUrl(url);
      expect(first.touch).toEqual(touchFromLanding(url, referrer));
      expect(first.host).toBe(parsed?.hostname);
      expect(first.pathname).toBe(parsed?.pathname);
      expect(first.search).toBe(parsed?.search || undefined);
      expect(landingOf(url, referrer)).toBe(first);
    }
  });

  it('never confuses two pairs whose text runs together', () => {
    const landingOf = createLandingCache();
    const a = landingOf('https://a.test/?utm_source=x', 'https://ref.test/');
    const b = landingOf('https://a.test/?utm_source=xhttps://ref.test/', undefined);
    expect(a.touch.utm_source).toBe('x');
    expect(b.touch.utm_source).toBe('xhttps://ref.test/');
  });

  it('stays bounded and keeps answering correctly past its capacity; long pairs are parsed, not kept', () => {
    const landingOf = createLandingCache(4, 100);
    const urls = Array.from({ length: 12 }, (_, i) => `https://shop.test/p/${i}?utm_campaign=c${i}`);
    for (const u of urls) landingOf(u, undefined);
    for (const [i, u] of urls.entries()) expect(landingOf(u, undefined).touch.utm_campaign).toBe(`c${i}`);
    const long = `https://shop.test/?utm_source=${'x'.repeat(200)}`;
    expect(landingOf(long, undefined)).not.toBe(landingOf(long, undefined));
    expect(landingOf(long, undefined).touch.utm_source).toBe('x'.repeat(200));
  });

  it("one event's context.campaign fills only its own row, never the cached landing", () => {
    const url = 'https://shop.test/landing-cache-test?utm_source=newsletter';
    const page = (campaign?: Record<string, string>) =>
      JSON.parse(eventLine({ type: 'page', anonymousId: 'a-1', context: { page: { url }, ...(campaign ? { campaign } : {}) } })) as Record<string, unknown>;
    const before = page();
    const withCampaign = page({ source: 'ignored', medium: 'email', name: 'spring' });
    const after = page();
    expect(withCampaign).toMatchObject({ utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'spring' });
    expect(before.utm_medium).toBeUndefined();
    expect(after.utm_medium).toBeUndefined();
    expect(after.utm_campaign).toBeUndefined();
    expect(after.utm_source).toBe('newsletter');
  });
});
