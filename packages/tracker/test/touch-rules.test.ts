/**
 * The touch rules as the tracker applies them, page load after page load, with a fake clock and
 * fake storage: what a marketer reads in `context.touches`.
 */
import { describe, expect, it } from 'vitest';
import type { SegmentEvent, Touch } from '@touchline/protocol';
import { createWorld, T0, type World } from './support/fake-world.js';

const SHOP = 'https://www.shop.test';
const GCLID = 'EAIaIQobChMI-x_Y2Jq9_AIVDOh3Ch3kVwN_EAAYASAAEgJ1Z_D_BwE';
const MIN = 60_000;

/** Opens `url` (from `referrer`) `after` ms since the last step, records a page view, sends it. */
async function visit(w: World, after: number, url: string, referrer = '', options = {}) {
  await w.tick(after);
  const p = w.open(url, referrer, options);
  p.tracker.page();
  await w.tick(1000);
  return lastPage(w);
}
function lastPage(w: World): NonNullable<SegmentEvent['context']>['touches'] & {} {
  const pages = w.events().filter((e) => e.type === 'page');
  return pages[pages.length - 1]!.context!.touches!;
}
const at = (ms: number) => new Date(ms).toISOString();

describe('touch rules, as the tracker applies them', () => {
  it('a paid landing is first, last and session touch at once, with its UTMs and click ids', async () => {
    const w = createWorld();
    const url = `${SHOP}/shoes?utm_source=google&utm_medium=cpc&utm_campaign=spring%20sale&gclid=${GCLID}&gbraid=0AAAAA`;
    const t = await visit(w, 0, url, 'https://www.google.com/');
    const expected: Touch = {
      url,
      utm_source: 'google',
      utm_medium: 'cpc',
      utm_campaign: 'spring sale',
      click_ids: { gclid: GCLID, gbraid: '0AAAAA' },
      click_id_type: 'gclid',
      click_id: GCLID,
      referrer: 'https://www.google.com/',
      referrer_domain: 'google.com',
      at: at(T0),
    };
    expect(t.first).toEqual(expected);
    expect(t.last).toEqual(expected);
    expect(t.session).toEqual(expected);
  });

  it('a direct visit never overwrites last touch; first touch is set once', async () => {
    const w = createWorld();
    const paid = await visit(w, 0, `${SHOP}/?utm_source=newsletter&utm_medium=email`);
    const direct = await visit(w, 3 * 24 * 60 * MIN, `${SHOP}/account`); // typed URL, days later
    expect(direct.first).toEqual(paid.first);
    expect(direct.last).toEqual(paid.last);
    expect(direct.session).toEqual({ at: at(w.now - 1000), url: `${SHOP}/account` });
  });

  it('a new campaign changes last touch and opens a session, never first touch', async () => {
    const w = createWorld();
    const first = await visit(w, 0, `${SHOP}/?gclid=${GCLID}`, 'https://www.google.com/');
    const fb = `${SHOP}/sale?fbclid=IwAR3xYz_Ab-Cd`;
    const t = await visit(w, 5 * MIN, fb, 'https://m.facebook.com/'); // mid-session
    expect(t.first).toEqual(first.first);
    expect(t.last).toMatchObject({ url: fb, click_id_type: 'fbclid', click_id: 'IwAR3xYz_Ab-Cd', referrer_domain: 'm.facebook.com' });
    expect(t.session).toEqual(t.last);
  });

  it('reloading the same campaign URL within a session is not a new touch', async () => {
    const w = createWorld();
    const url = `${SHOP}/?utm_source=google&utm_medium=cpc`;
    const a = await visit(w, 0, url, 'https://www.google.com/');
    const b = await visit(w, 2 * MIN, url, 'https://www.google.com/');
    expect(b).toEqual(a);
  });

  it('30 minutes of inactivity start a new (direct) session; last touch stays', async () => {
    const w = createWorld();
    const a = await visit(w, 0, `${SHOP}/?utm_source=bing&utm_medium=cpc`);
    const within = await visit(w, 29 * MIN, `${SHOP}/cart`);
    expect(within.session).toEqual(a.session);
    const after = await visit(w, 31 * MIN, `${SHOP}/cart`);
    expect(after.session).toEqual({ at: at(w.now - 1000), url: `${SHOP}/cart` });
    expect(after.last).toEqual(a.last);
    expect(after.first).toEqual(a.first);
  });

  it('the session timeout is configurable', async () => {
    const w = createWorld();
    const a = await visit(w, 0, `${SHOP}/?utm_source=x`, '', { sessionTimeout: 60_000 });
    const b = await visit(w, 2 * MIN, `${SHOP}/`, '', { sessionTimeout: 60_000 });
    expect(b.session).not.toEqual(a.session);
  });

  it('an activity inside one page keeps the session alive (SPA that stays open)', async () => {
    const w = createWorld();
    const p = w.open(`${SHOP}/?utm_source=x`);
    p.tracker.page();
    for (let i = 0; i < 4; i++) {
      await w.tick(20 * MIN);
      p.tracker.track('Still here');
    }
    await w.tick(1000);
    const sessions = w.events().map((e) => e.context!.touches!.session);
    expect(new Set(sessions.map((s) => JSON.stringify(s))).size).toBe(1);
  });

  it('referral exclusions (payments, sign-in) and the site itself are direct, not referrals', async () => {
    const w = createWorld();
    const paid = await visit(w, 0, `${SHOP}/?utm_source=google`, 'https://www.google.com/');
    for (const ref of ['https://checkout.stripe.com/', 'https://www.paypal.com/', 'https://accounts.google.com/', 'https://blog.shop.test/post', `${SHOP}/cart`]) {
      const t = await visit(w, 60 * MIN, `${SHOP}/thanks`, ref);
      expect(t.last, ref).toEqual(paid.last);
      expect(t.session, ref).toMatchObject({ url: `${SHOP}/thanks`, referrer: ref });
    }
  });

  it('an external referrer that is not excluded is a referral touch', async () => {
    const w = createWorld();
    const t = await visit(w, 0, `${SHOP}/`, 'https://news.example.org/');
    expect(t.first).toMatchObject({ referrer_domain: 'news.example.org', url: `${SHOP}/` });
    expect(t.last).toEqual(t.first);
  });

  it('referral exclusions and site domains are configurable', async () => {
    const w = createWorld();
    const opts = { referralExclusions: ['partner.example'], siteDomains: ['shop.test', 'shop-checkout.test'] };
    const a = await visit(w, 0, `${SHOP}/`, 'https://news.example.org/', opts);
    for (const ref of ['https://a.partner.example/', 'https://pay.shop-checkout.test/']) {
      const t = await visit(w, 60 * MIN, `${SHOP}/`, ref, opts);
      expect(t.last, ref).toEqual(a.last);
    }
    // the list replaces the default: stripe is a referral now
    const s = await visit(w, 60 * MIN, `${SHOP}/`, 'https://stripe.com/', opts);
    expect(s.last).toMatchObject({ referrer_domain: 'stripe.com' });
  });

  it('a visitor who first came direct gets a first touch from the first marketing touch', async () => {
    const w = createWorld();
    const d = await visit(w, 0, `${SHOP}/`);
    expect(d.first).toBeUndefined();
    expect(d.last).toBeUndefined();
    const r = await visit(w, 60 * MIN, `${SHOP}/`, 'https://duckduckgo.com/');
    expect(r.first).toMatchObject({ referrer_domain: 'duckduckgo.com' });
  });
});
