/**
 * The tracker restates the protocol's touch rules in fewer bytes (src/touch-compact.ts). This
 * proves the two agree: on a table of hand-picked inputs, on thousands of generated ones, and end
 * to end through `createTracker`. Compared as JSON, which is all that storage and the wire see.
 */
import { describe, expect, it } from 'vitest';
import {
  applyActivity,
  applyTouch,
  DEFAULT_REFERRAL_EXCLUSIONS,
  hostOf as protocolHostOf,
  touchFromLanding,
  type TouchState,
} from '@touchline/protocol';
import { hostOf, landingTouch, touchRules } from '../src/touch-compact.js';
import { createWorld, T0 } from './support/fake-world.js';

const json = (v: unknown) => JSON.parse(JSON.stringify(v ?? null)) as unknown;
const MIN = 60_000;

const TABLE: [url: string, referrer: string][] = [
  ['https://www.shop.test/', ''],
  ['https://www.shop.test/?utm_source=google&utm_medium=cpc&utm_campaign=a%20b&utm_term=x&utm_content=y&utm_id=7', ''],
  ['https://www.shop.test/?gclid=Cj0-_Ab&gbraid=G&wbraid=W&fbclid=F', 'https://www.google.com/'],
  ['https://www.shop.test/?ScCid=snap&sccid=lower', ''],
  ['https://www.shop.test/?ymclid=Y&_kx=K&igsh=I&ob_click_id=O&irclid=R', ''],
  ['https://www.shop.test/?gclid=&utm_source=', 'https://t.co/'],
  ['https://www.shop.test/#/route?utm_source=hash', ''],
  ['https://www.shop.test/?utm_source=a#frag?utm_medium=b', ''],
  ['https://www.shop.test/?utm_source=a&utm_source=b', ''],
  ['https://www.shop.test/?gclid=a%2Bb+c', ''],
  ['https://www.shop.test/', 'android-app://com.google.android.gm/'],
  ['https://www.shop.test/', 'https://WWW.Example.ORG:8443/path?q=1'],
  ['https://www.shop.test/', 'https://checkout.stripe.com/pay'],
  ['https://www.shop.test/', 'https://blog.shop.test/'],
  ['https://www.shop.test/', 'https://www.shop.test/cart'],
  ['https://www.shop.test/', 'https://www./'],
  ['https://www.shop.test/', 'http://192.168.0.1:8080/'],
];

/** A small seeded PRNG (mulberry32) so a failure reproduces. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generator(seed: number) {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const params = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term', 'utm_id', 'gclid', 'gbraid', 'fbclid', 'msclkid', 'ScCid', 'sccid', 'ymclid', '_kx', 'igsh', 'ref', 'q'];
  const values = ['google', 'cpc', 'A b', 'x%20y', 'Cj0KCQ_-', '', 'a+b', 'spring', 'IwAR1'];
  const referrers = ['', '', '', 'https://www.google.com/', 'https://checkout.stripe.com/', 'https://accounts.google.com/', 'https://www.shop.test/p', 'https://blog.shop.test/', 'https://news.example.org/', 'android-app://com.slack/', 'https://l.facebook.com/'];
  return {
    url() {
      const n = Math.floor(r() * 4);
      const q = Array.from({ length: n }, () => `${pick(params)}=${pick(values)}`).join('&');
      const path = pick(['/', '/p', '/#/r']);
      return `https://www.shop.test${path}${q ? (path.includes('#') ? '?' : '?') + q : ''}${r() < 0.1 ? '#x' : ''}`;
    },
    referrer: () => pick(referrers),
    gap: () => pick([0, 1000, 5 * MIN, 29 * MIN, 30 * MIN, 30 * MIN + 1, 31 * MIN, 3 * 24 * 60 * MIN]),
    opts: () =>
      pick([
        { siteDomains: ['shop.test'], referralExclusions: DEFAULT_REFERRAL_EXCLUSIONS, sessionTimeoutMs: 30 * MIN },
        { siteDomains: ['www.shop.test'], referralExclusions: ['stripe.com'], sessionTimeoutMs: 10 * MIN },
        { siteDomains: [], referralExclusions: [], sessionTimeoutMs: 60 * MIN },
      ]),
  };
}

describe('tracker and @touchline/protocol agree', () => {
  it('on the landing touch of every table input', () => {
    for (const [url, ref] of TABLE) expect(json(landingTouch(url, ref)), `${url} ← ${ref}`).toEqual(json(touchFromLanding(url, ref || undefined)));
  });

  it('on hostOf for every absolute URL (document.referrer is always one)', () => {
    for (const [url, ref] of TABLE) {
      expect(hostOf(url)).toEqual(protocolHostOf(url));
      if (ref) expect(hostOf(ref), ref).toEqual(protocolHostOf(ref));
    }
  });

  it('on applyTouch for a table of states, landings and times', () => {
    const opts = { siteDomains: ['shop.test'], referralExclusions: DEFAULT_REFERRAL_EXCLUSIONS, sessionTimeoutMs: 30 * MIN };
    const next = touchRules(opts.siteDomains, opts.referralExclusions, opts.sessionTimeoutMs);
    for (const gap of [0, 29 * MIN, 30 * MIN, 30 * MIN + 1, 31 * MIN]) {
      let mine: TouchState = {};
      let theirs: TouchState = {};
      let now = T0;
      for (const [url, ref] of [...TABLE, ...TABLE.slice().reverse()]) {
        now += gap;
        const landing = touchFromLanding(url, ref || undefined);
        mine = next(mine, landingTouch(url, ref), new Date(now).toISOString());
        theirs = applyTouch(theirs, landing, new Date(now).toISOString(), opts);
        expect(json(mine), `${url} ← ${ref} after ${gap} ms`).toEqual(json(theirs));
      }
    }
  });

  it('on 5,000 generated landings, referrers, gaps and rule sets', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const g = generator(seed);
      const opts = g.opts();
      const next = touchRules(opts.siteDomains, opts.referralExclusions, opts.sessionTimeoutMs);
      let mine: TouchState = {};
      let theirs: TouchState = {};
      let now = T0;
      for (let i = 0; i < 100; i++) {
        now += g.gap();
        const url = g.url();
        const ref = g.referrer();
        const iso = new Date(now).toISOString();
        const a = landingTouch(url, ref);
        const b = touchFromLanding(url, ref || undefined);
        expect(json(a), `seed ${seed} step ${i}: ${url}`).toEqual(json(b));
        mine = next(mine, a, iso);
        theirs = applyTouch(theirs, b, iso, opts);
        expect(json(mine), `seed ${seed} step ${i}: ${url} ← ${ref}`).toEqual(json(theirs));
      }
    }
  });

  it('end to end: the touches createTracker sends are the protocol chain over the same page loads and other calls', async () => {
    const g = generator(7);
    const w = createWorld();
    const opts = { siteDomains: ['shop.test'], referralExclusions: DEFAULT_REFERRAL_EXCLUSIONS, sessionTimeoutMs: 30 * MIN };
    let expected: TouchState = {};
    const sent = () => w.events().at(-1)!.context!.touches;
    const want = () => json({ first: expected.first, last: expected.last, session: expected.session });
    for (let i = 0; i < 60; i++) {
      await w.tick(g.gap());
      const url = g.url();
      const ref = g.referrer();
      const p = w.open(url, ref, { siteDomains: opts.siteDomains });
      // the page view is the arrival: the protocol's applyTouch
      p.tracker.page();
      expected = applyTouch(expected, touchFromLanding(url, ref || undefined), new Date(w.now).toISOString(), opts);
      await w.tick(1000);
      expect(json(sent()), `load ${i}: ${url} ← ${ref}`).toEqual(want());
      // a track on the same (maybe tagged) URL, after a gap that may pass the session timeout: activity only
      await w.tick(g.gap());
      p.tracker.track('Clicked');
      expected = applyActivity(expected, new Date(w.now).toISOString());
      await w.tick(1000);
      expect(json(sent()), `track after load ${i}: ${url}`).toEqual(want());
    }
  });
});
