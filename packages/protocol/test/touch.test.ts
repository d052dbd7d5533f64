import { describe, expect, it } from 'vitest';
import { applyActivity, applyTouch, classifyTouch, CLICK_IDS, consentSignal, isArrival, touchFromLanding, type TouchState } from '../src/index.js';

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

  it("takes Google's auto-tagged gad_campaignid as the campaign id when the landing has no utm_id, never over one", () => {
    expect(touchFromLanding('https://shop.test/?gad_source=1&gad_campaignid=21987654321&gclid=Cj0K', undefined)).toMatchObject({ utm_id: '21987654321', click_id_type: 'gclid' });
    expect(touchFromLanding('https://shop.test/?gad_campaignid=111&utm_id=222', undefined).utm_id).toBe('222');
    expect(touchFromLanding('https://shop.test/?utm_id=222&gad_campaignid=111', undefined).utm_id).toBe('222');
    // An empty utm_id is still the page's own say: the auto-tag does not fill it.
    expect(touchFromLanding('https://shop.test/?utm_id=&gad_campaignid=111', undefined).utm_id).toBeUndefined();
    expect(touchFromLanding('https://shop.test/?gad_campaignid=', undefined).utm_id).toBeUndefined();
    // A Segment context.campaign id fills the gap only when the URL has neither.
    expect(touchFromLanding('https://shop.test/?gad_campaignid=111', undefined, { id: '333' }).utm_id).toBe('111');
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

describe('arrivals', () => {
  const at = (m: number) => new Date(Date.UTC(2026, 0, 1, 0, m)).toISOString();

  it('page and screen views are arrivals; track, identify, group and alias never are', () => {
    expect(['page', 'screen'].filter(isArrival)).toEqual(['page', 'screen']);
    for (const t of ['track', 'identify', 'group', 'alias', 'Page', '', undefined, null, 1]) expect(isArrival(t), String(t)).toBe(false);
  });

  it('activity keeps the session open and never touches first, last or session', () => {
    const s = applyTouch({}, touchFromLanding('https://shop.test/?utm_source=a', undefined), at(0), site);
    const later = applyActivity(s, at(45));
    expect(later).toEqual({ ...s, seen: at(45) });
    // the next arrival, 10 minutes after that activity, is inside the session: a repeat, not a touch
    const again = applyTouch(later, touchFromLanding('https://shop.test/?utm_source=a', undefined), at(55), site);
    expect(again.last).toEqual(s.last);
    expect(again.session).toEqual(s.session);
  });

  it('activity before a first arrival opens no session; that arrival opens one, direct or not', () => {
    const active = applyActivity({}, at(0));
    expect(active).toEqual({ seen: at(0) });
    const landed = applyTouch(active, touchFromLanding('https://shop.test/pricing', 'https://shop.test/'), at(10), site);
    expect(landed.session).toEqual({ at: at(10), url: 'https://shop.test/pricing', referrer: 'https://shop.test/', referrer_domain: 'shop.test' });
    expect(landed.first).toBeUndefined();
  });

  it('compares external referrers only, as the warehouse sessions do: an internal referrer counts as none', () => {
    // an email client sends no referrer; the SPA's next page view keeps the UTMs, its referrer is the landing
    const landing = touchFromLanding('https://www.shop.test/?utm_source=news&utm_medium=email', undefined);
    const s = applyTouch({}, landing, at(0), site);
    const spa = applyTouch(s, touchFromLanding('https://www.shop.test/p?utm_source=news&utm_medium=email', 'https://www.shop.test/?utm_source=news&utm_medium=email'), at(1), site);
    expect(spa.last).toEqual(s.last);
    expect(spa.session).toEqual(s.session);
    // the same UTMs from an external referrer is another touch
    const other = applyTouch(s, touchFromLanding('https://www.shop.test/?utm_source=news&utm_medium=email', 'https://news.example/'), at(2), site);
    expect(other.last).toMatchObject({ referrer_domain: 'news.example', at: at(2) });
  });
});

describe('consent signals', () => {
  it('reads Google\'s wording and booleans, nothing else', () => {
    expect([true, 'granted', false, 'denied'].map(consentSignal)).toEqual([true, true, false, false]);
    for (const v of ['GRANTED', 'yes', 1, 0, null, undefined, {}, 'true']) expect(consentSignal(v), String(v)).toBeUndefined();
  });
});
