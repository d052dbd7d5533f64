import { describe, expect, it } from 'vitest';
import { applyTouch, classifyTouch, CLICK_IDS, touchFromLanding, type TouchState } from '../src/index.js';

const site = { siteDomains: ['shop.test'] };

describe('touch parsing', () => {
  it('reads UTMs and every registry click id, keeping ids byte for byte, first in registry order as primary', () => {
    const t = touchFromLanding('https://www.shop.test/p?fbclid=IwAR0-xY_z&gclid=Cj0KCQ%2Bab&utm_source=google&utm_campaign=Spring%20Sale&ScCid=snap1', 'https://www.google.com/');
    expect(t).toMatchObject({
      utm_source: 'google',
      utm_campaign: 'Spring Sale',
      click_id_type: 'gclid',
      click_id: 'Cj0KCQ+ab',
      click_ids: { gclid: 'Cj0KCQ+ab', fbclid: 'IwAR0-xY_z', sccid: 'snap1' },
      referrer_domain: 'google.com',
    });
  });

  it('has a unique column and parameter for every registry entry', () => {
    const cols = CLICK_IDS.map((c) => c.column);
    expect(new Set(cols).size).toBe(cols.length);
    const params = CLICK_IDS.flatMap((c) => c.params);
    expect(new Set(params).size).toBe(params.length);
    for (const c of cols) expect(c).toMatch(/^[a-z][a-z0-9_]*$/);
  });

  it('fills gaps from a Segment context.campaign, the URL winning', () => {
    expect(touchFromLanding('https://x.test/?utm_source=a', undefined, { source: 'b', medium: 'email', name: 'n' })).toMatchObject({ utm_source: 'a', utm_medium: 'email', utm_campaign: 'n' });
  });
});

describe('touch rules', () => {
  it('classifies campaigns, referrals, internal and excluded referrers', () => {
    expect(classifyTouch(touchFromLanding('https://shop.test/?utm_source=x', undefined), site)).toBe('campaign');
    expect(classifyTouch(touchFromLanding('https://shop.test/', 'https://news.ycombinator.com/'), site)).toBe('referral');
    expect(classifyTouch(touchFromLanding('https://shop.test/', 'https://blog.shop.test/post'), site)).toBe('direct');
    expect(classifyTouch(touchFromLanding('https://shop.test/', 'https://checkout.stripe.com/pay'), site)).toBe('direct');
    expect(classifyTouch(touchFromLanding('https://shop.test/', undefined), site)).toBe('direct');
  });

  it('sets first once, moves last on each new marketing touch, never on direct', () => {
    const at = (m: number) => new Date(Date.UTC(2026, 0, 1, 0, m)).toISOString();
    let s: TouchState = {};
    s = applyTouch(s, touchFromLanding('https://shop.test/?utm_source=google&gclid=G1', undefined), at(0), site);
    expect(s.first?.click_id).toBe('G1');
    expect(s.last?.click_id).toBe('G1');
    s = applyTouch(s, touchFromLanding('https://shop.test/', undefined), at(60), site);
    expect(s.last?.click_id).toBe('G1');
    expect(s.session?.click_id).toBeUndefined();
    s = applyTouch(s, touchFromLanding('https://shop.test/?fbclid=F1', 'https://l.facebook.com/'), at(61), site);
    expect(s.first?.click_id).toBe('G1');
    expect(s.last?.click_id).toBe('F1');
    expect(s.session?.click_id).toBe('F1');
    const reload = applyTouch(s, touchFromLanding('https://shop.test/?fbclid=F1', 'https://l.facebook.com/'), at(62), site);
    expect(reload.last?.at).toBe(s.last?.at);
  });
});
