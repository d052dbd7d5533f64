import { describe, expect, it } from 'vitest';
import {
  compileChannelRules,
  deriveSourceMedium,
  GA4_CHANNEL_RULE_SET,
  GA4_SOURCE_CATEGORIES,
  touchChanneler,
  validateChannelRules,
  type ChannelRuleSet,
} from '../src/index.js';

const ga4 = compileChannelRules(GA4_CHANNEL_RULE_SET);
const ch = (source: string, medium: string, campaign = '') => ga4({ source, medium, campaign });

// Every case below is listed in shared/research/attribution-models.md §5.1 ("Notable
// consequences") or §5.2, derived from Google's "[GA4] Default channel group" table.
describe('GA4 default channel group (Google, support.google.com/analytics/answer/9756891)', () => {
  it('google / cpm is Paid Search: "cpm" contains "cp"', () => expect(ch('google', 'cpm')).toBe('Paid Search'));
  it('an unknown source with medium cpm is Display: Display precedes Paid Other', () => expect(ch('adnetwork.example', 'cpm')).toBe('Display'));
  it('facebook / display is Display', () => expect(ch('facebook', 'display')).toBe('Display'));
  it('campaign "workshop" is not shopping ("k" precedes "shop"), "eshop" is', () => {
    expect(ch('newsletter-partner', 'cpc', 'workshop')).toBe('Paid Other');
    expect(ch('newsletter-partner', 'cpc', 'eshop')).toBe('Paid Shopping');
    expect(ch('partner', 'referral', 'spring-shopping')).toBe('Organic Shopping');
  });
  it('email / referral is Referral: Referral precedes Email', () => expect(ch('email', 'referral')).toBe('Referral'));
  it('ebay / referral is Organic Shopping', () => expect(ch('ebay', 'referral')).toBe('Organic Shopping'));
  it('duckduckgo / referral is Organic Search', () => expect(ch('duckduckgo', 'referral')).toBe('Organic Search'));
  it('matches case-insensitively', () => {
    expect(ch('Google', 'CPC')).toBe('Paid Search');
    expect(ch('IGShopping', 'Paid')).toBe('Paid Shopping');
  });
  it('covers every channel of the table in order', () => {
    expect(ch('(direct)', '(none)')).toBe('Direct');
    expect(ch('(direct)', '(not set)')).toBe('Direct');
    expect(ch('google', 'cpc', 'PMax Cross-network')).toBe('Cross-network');
    expect(ch('facebook', 'paid_social')).toBe('Paid Social');
    expect(ch('youtube', 'cpv')).toBe('Paid Video');
    expect(ch('newsletter', 'retargeting')).toBe('Paid Other');
    expect(ch('t.co', 'referral')).toBe('Organic Social');
    expect(ch('forum.example', 'social media')).toBe('Organic Social');
    expect(ch('vimeo', 'referral')).toBe('Organic Video');
    expect(ch('partner', 'webinar-video')).toBe('Organic Video');
    expect(ch('anything', 'organic')).toBe('Organic Search');
    expect(ch('partner.example', 'link')).toBe('Referral');
    expect(ch('e-mail', 'newsletter')).toBe('Email');
    expect(ch('mailchimp', 'email')).toBe('Email');
    expect(ch('x', 'affiliate')).toBe('Affiliates');
    expect(ch('podcast', 'audio')).toBe('Audio');
    expect(ch('sms', 'text')).toBe('SMS');
    expect(ch('app', 'web-push')).toBe('Mobile Push Notifications');
    expect(ch('firebase', 'x')).toBe('Mobile Push Notifications');
    expect(ch('x', 'y')).toBe('Unassigned');
    expect(ga4({})).toBe('Unassigned');
  });
  it('follows Google, not dbt-ga4, where they differ: email is an exact match, alibaba with no medium is Organic Shopping', () => {
    expect(ch('my-email-list', 'newsletter')).toBe('Unassigned');
    expect(ch('alibaba', '')).toBe('Organic Shopping');
  });
  it("ships Google's source list (819 entries)", () => {
    const sizes = Object.values(GA4_SOURCE_CATEGORIES).map((l) => l.length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(819);
    expect(GA4_SOURCE_CATEGORIES.SOURCE_CATEGORY_SOCIAL).toContain('l.facebook.com');
    expect(GA4_SOURCE_CATEGORIES.SOURCE_CATEGORY_VIDEO).toContain('m.youtube.com');
  });
});

describe('source / medium derivation from a raw touch', () => {
  const channelOf = touchChanneler(GA4_CHANNEL_RULE_SET, { siteDomains: ['shop.example'] });

  it('uses UTMs first, reporting missing ones as (not set)', () => {
    expect(deriveSourceMedium({ utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'spring' })).toEqual({ source: 'newsletter', medium: 'email', campaign: 'spring' });
    expect(deriveSourceMedium({ utm_source: 'partner' })).toEqual({ source: 'partner', medium: '(not set)', campaign: '(not set)' });
  });

  it('treats a gclid with no UTMs as google / cpc → Paid Search (the registry’s implies)', () => {
    const touch = { click_id_type: 'gclid', click_id: 'Cj0K', click_ids: { gclid: 'Cj0K' }, referrer: 'https://www.google.com/' };
    expect(deriveSourceMedium(touch)).toEqual({ source: 'google', medium: 'cpc', campaign: '(not set)' });
    expect(channelOf(touch)).toBe('Paid Search');
    expect(channelOf({ click_id_type: 'msclkid', click_id: 'x' })).toBe('Paid Search');
    expect(channelOf({ click_id_type: 'ttclid', click_id: 'x' })).toBe('Paid Social');
  });

  it("lets Google's auto-tagged ids win over UTMs by default (GA4), and no other network's", () => {
    const utm = { utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'spring' };
    for (const id of ['gclid', 'gbraid', 'wbraid']) {
      const touch = { ...utm, click_id_type: id, click_id: 'x', click_ids: { [id]: 'x' } };
      expect(deriveSourceMedium(touch), id).toEqual({ source: 'google', medium: 'cpc', campaign: 'spring' });
      expect(channelOf(touch), id).toBe('Paid Search');
      expect(deriveSourceMedium(touch, { clickIdPrecedence: 'utm' }), id).toEqual({ source: 'newsletter', medium: 'email', campaign: 'spring' });
    }
    expect(deriveSourceMedium({ ...utm, click_id_type: 'dclid', click_id: 'x' })).toEqual({ source: 'dv360', medium: 'display', campaign: 'spring' });
    for (const id of ['msclkid', 'ttclid', 'li_fat_id', 'fbclid', 'mc_cid']) {
      const touch = { ...utm, click_id_type: id, click_id: 'x', click_ids: { [id]: 'x' } };
      expect(deriveSourceMedium(touch), id).toEqual({ source: 'newsletter', medium: 'email', campaign: 'spring' });
    }
    // `click-id`: any id that implies a source wins; fbclid implies none, so the UTMs stay.
    expect(deriveSourceMedium({ ...utm, click_id_type: 'msclkid', click_id: 'x' }, { clickIdPrecedence: 'click-id' }).source).toBe('bing');
    expect(deriveSourceMedium({ ...utm, click_id_type: 'fbclid', click_id: 'x' }, { clickIdPrecedence: 'click-id' }).source).toBe('newsletter');
    // A Google id behind a primary that implies nothing still counts (the registry order).
    const both = { ...utm, click_id_type: 'fbclid', click_id: 'f', click_ids: { fbclid: 'f', gbraid: 'g' } };
    expect(deriveSourceMedium(both).medium).toBe('cpc');
    // Without UTMs every implying id names the source, whatever the precedence.
    for (const clickIdPrecedence of ['google-click-id', 'utm', 'click-id'] as const) {
      expect(deriveSourceMedium({ click_id_type: 'msclkid', click_id: 'x' }, { clickIdPrecedence }).source).toBe('bing');
    }
  });

  it('falls back to the referrer when the click id implies nothing (fbclid): l.facebook.com → Organic Social', () => {
    const touch = { click_id_type: 'fbclid', click_id: 'x', referrer: 'https://l.facebook.com/l.php?u=x', referrer_domain: 'l.facebook.com' };
    expect(deriveSourceMedium(touch)).toEqual({ source: 'l.facebook.com', medium: 'referral', campaign: '(referral)' });
    expect(channelOf(touch)).toBe('Organic Social');
  });

  it('names search engines as GA4 does: google / organic, duckduckgo / organic', () => {
    expect(deriveSourceMedium({ referrer: 'https://www.google.co.uk/' })).toEqual({ source: 'google', medium: 'organic', campaign: '(organic)' });
    expect(deriveSourceMedium({ referrer_domain: 'duckduckgo.com' }).source).toBe('duckduckgo');
    expect(deriveSourceMedium({ referrer_domain: 'cse.google.com' }).medium).toBe('organic');
    expect(channelOf({ referrer: 'https://www.bing.com/search?q=x' })).toBe('Organic Search');
    expect(deriveSourceMedium({ referrer_domain: 'docs.google.com' }).medium).toBe('referral');
  });

  it('treats other hosts as referrals, and own / excluded hosts or nothing as direct', () => {
    expect(deriveSourceMedium({ referrer_domain: 'news.example.org' })).toEqual({ source: 'news.example.org', medium: 'referral', campaign: '(referral)' });
    expect(channelOf({ referrer_domain: 'news.example.org' })).toBe('Referral');
    expect(channelOf({ referrer_domain: 'shop.example' })).toBe('Direct');
    expect(channelOf({ referrer_domain: 'checkout.stripe.com' })).toBe('Direct');
    expect(channelOf({})).toBe('Direct');
  });
});

describe('custom rule sets', () => {
  const config = {
    rules: [
      { channel: 'Partners', when: { field: 'source_category', op: 'exact', value: 'PARTNERS' } },
      { channel: 'Brand Search', when: { all: [{ field: 'source', op: 'exact', value: 'google' }, { field: 'campaign', op: 'starts', value: 'brand' }] } },
      { include: 'ga4' },
    ],
    sourceCategories: { PARTNERS: ['Partner-A.com', 'partner-b.com'], SOURCE_CATEGORY_SEARCH: ['kagi'] },
    fallback: 'Other',
  };

  it('orders custom rules before the included GA4 set and extends source lists', () => {
    const v = validateChannelRules(config);
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    const rules = compileChannelRules(v.ruleSet);
    expect(rules({ source: 'partner-a.com', medium: 'cpc' })).toBe('Partners');
    expect(rules({ source: 'google', medium: 'cpc', campaign: 'Brand_Q3' })).toBe('Brand Search');
    expect(rules({ source: 'google', medium: 'cpc', campaign: 'generic' })).toBe('Paid Search');
    expect(rules({ source: 'kagi', medium: 'referral' })).toBe('Organic Search');
    expect(rules({ source: 'x', medium: 'y' })).toBe('Other');
    expect(v.ruleSet.rules).toHaveLength(2 + 18);
  });

  it('supports not, any, in, contains, ends', () => {
    const rs: ChannelRuleSet = {
      rules: [{ channel: 'Hit', when: { all: [{ not: { field: 'medium', op: 'in', value: ['cpc'] } }, { any: [{ field: 'campaign', op: 'contains', value: 'Q3' }, { field: 'source', op: 'ends', value: '.io' }] }] } }],
      sourceCategories: {},
      fallback: 'Miss',
    };
    const rules = compileChannelRules(rs);
    expect(rules({ medium: 'email', campaign: 'big-q3-push' })).toBe('Hit');
    expect(rules({ medium: 'email', source: 'tool.IO' })).toBe('Hit');
    expect(rules({ medium: 'CPC', campaign: 'q3' })).toBe('Miss');
  });

  it('reports every problem with its path and what to do', () => {
    const v = validateChannelRules({
      rules: [
        { channel: '', when: { field: 'medium', op: 'exact', value: 'x' } },
        { channel: 'A', when: { field: 'referrer', op: 'exact', value: 'x' } },
        { channel: 'B', when: { any: [{ field: 'medium', op: 'like', value: 'x' }] } },
        { channel: 'C', when: { field: 'source', op: 'regex', value: '(?<=a)b' } },
        { channel: 'D', when: { field: 'source_category', op: 'exact', value: 'NOPE' } },
        { channel: 'E', when: { field: 'medium', op: 'in', value: 'cpc' } },
        { include: 'ga3' },
        { channel: 'F', when: { field: 'source', op: 'regex', value: '([a-z]' } },
      ],
      fallbak: 'x',
    });
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.problems.map((p) => p.path)).toEqual([
      'fallbak',
      'rules[0].channel',
      'rules[1].when.field',
      'rules[2].when.any[0].op',
      'rules[3].when.value',
      'rules[4].when.value',
      'rules[5].when.value',
      'rules[6]',
      'rules[7].when.value',
    ]);
    expect(v.problems[4]?.message).toMatch(/RE2/);
    expect(v.problems[5]?.message).toMatch(/define it under sourceCategories/);
  });
});
