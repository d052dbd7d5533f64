/**
 * Redaction at ingest, against a corpus of real-looking URLs and texts: password reset links,
 * `?email=`, `mailto:`, `%40`-encoded addresses, emails in paths, fragments (OAuth's implicit
 * flow), phone numbers, card numbers (Luhn-valid ones only) — and the marketing parameters
 * Touchline needs (UTMs, click ids), which are never touched, even when they hold an email.
 * Then through the HTTP API: what is stored is redacted, and the touch still credits the click.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrivacyConfigSchema, redactionRules } from '../../src/privacy/privacy-config.js';
import { redactEvent } from '../../src/privacy/redact-event.js';
import { luhnValid, redactText, redactUrl } from '../../src/privacy/redact-text.js';
import { startHarness, type Harness } from '../support/harness.js';
import { TOUCH_CASES, trackLanding } from '../support/landing.js';

const rules = redactionRules(PrivacyConfigSchema.parse({}).redaction);

/** [input, expected]: each line a case seen in the wild. */
const URLS: [string, string][] = [
  ['https://shop.example/account/reset?token=9f8e7d6c5b4a&email=ada%40example.com', 'https://shop.example/account/reset?token=[redacted]&email=[redacted]'],
  ['https://shop.example/reset-password/ada@example.com/9f8e7d', 'https://shop.example/reset-password/[email]/9f8e7d'],
  ['https://shop.example/users/ada%40example.com/orders', 'https://shop.example/users/[email]/orders'],
  ['https://shop.example/users/ADA.Lovelace%2Bnews%40Example.CO.UK', 'https://shop.example/users/[email]'],
  ['https://shop.example/signup?Email=ada@example.com&plan=pro', 'https://shop.example/signup?Email=[redacted]&plan=pro'],
  ['https://shop.example/newsletter?subscriber=ada%40example.com&lang=en', 'https://shop.example/newsletter?subscriber=[email]&lang=en'],
  ['mailto:ada@example.com?subject=Hello', 'mailto:[redacted]'],
  ['tel:+442079460958', 'tel:[redacted]'],
  ['https://app.example/callback#access_token=ya29.a0Af&token_type=Bearer&state=xyz', 'https://app.example/callback#access_token=[redacted]&token_type=Bearer&state=xyz'],
  ['https://shop.example/thanks#ada@example.com', 'https://shop.example/thanks#[email]'],
  ['https://shop.example/contact?phone=%2B44%2020%207946%200958', 'https://shop.example/contact?phone=[redacted]'],
  ['https://shop.example/callback?caller=%2B44%2020%207946%200958', 'https://shop.example/callback?caller=[phone]'],
  ['https://shop.example/pay?ref=4111%201111%201111%201111', 'https://shop.example/pay?ref=[card]'],
  ['https://shop.example/pay?ref=4111-1111-1111-1111', 'https://shop.example/pay?ref=[card]'],
  // Marketing parameters are the point of the URL: never changed, whatever they hold.
  [
    'https://shop.example/?utm_source=newsletter&utm_medium=email&utm_campaign=spring&utm_content=ada@example.com&gclid=Cj0KCQiA-abc&email=ada@example.com',
    'https://shop.example/?utm_source=newsletter&utm_medium=email&utm_campaign=spring&utm_content=ada@example.com&gclid=Cj0KCQiA-abc&email=[redacted]',
  ],
  ['https://shop.example/p/blue-shirt?fbclid=IwAR2xyz&msclkid=123456789012345&ttclid=E.C.P.abc', 'https://shop.example/p/blue-shirt?fbclid=IwAR2xyz&msclkid=123456789012345&ttclid=E.C.P.abc'],
  // Nothing personal: left exactly as sent (order ids, dates, prices, promo codes, SKUs).
  ['https://shop.example/orders/1234567890123?date=2026-12-07&price=19.99&code=SUMMER10', 'https://shop.example/orders/1234567890123?date=2026-12-07&price=19.99&code=SUMMER10'],
  ['https://shop.example/search?q=shoes+size+42&page=2', 'https://shop.example/search?q=shoes+size+42&page=2'],
  ['not a url at all, ada@example.com', 'not a url at all, [email]'],
  ['', ''],
];

describe('the redaction corpus', () => {
  it.each(URLS)('%s', (input, expected) => {
    expect(redactUrl(input, rules)).toBe(expected);
  });

  it('card numbers: only those passing the Luhn check', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(redactText('paid with 4111 1111 1111 1111 today', rules)).toBe('paid with [card] today');
    expect(redactText('order 4111 1111 1111 1112 today', rules)).toBe('order 4111 1111 1111 1112 today');
    expect(redactText('tracking 1Z999AA10123456784', rules)).toBe('tracking 1Z999AA10123456784');
  });

  it('phones as people write them; bare digit runs (ids, timestamps) stay', () => {
    expect(redactText('call +1 (555) 123-4567 or (555) 987-6543 or 555.222.3333', rules)).toBe('call [phone] or [phone] or [phone]');
    expect(redactText('invoice 20261207123456, sku 1234567', rules)).toBe('invoice 20261207123456, sku 1234567');
  });

  it('configured parameter names and patterns', () => {
    const custom = redactionRules(PrivacyConfigSchema.parse({ redaction: { queryParams: ['Member'], patterns: ['CUST-\\d{6}'] } }).redaction);
    expect(redactUrl('https://x.example/?member=ada&id=CUST-123456', custom)).toBe('https://x.example/?member=[redacted]&id=[redacted]');
    expect(() => PrivacyConfigSchema.parse({ redaction: { patterns: ['(unclosed'] } })).toThrow(/regular expression/);
  });

  it('hostile input: huge, malformed escapes, regex-hungry text — bounded and never throwing', () => {
    expect(redactUrl('https://x.example/?email=%E0%A4%A&q=%', rules)).toBe('https://x.example/?email=[redacted]&q=%');
    const long = 'a'.repeat(30_000) + '@' + 'b'.repeat(30_000);
    const t = Date.now();
    expect(redactText(long, rules)).toBe(long);
    expect(redactText('1-'.repeat(20_000), rules).length).toBeGreaterThan(0);
    expect(Date.now() - t).toBeLessThan(2000);
  });

  it('an event: page, referrer, title, touches, free-text properties; ids, traits, kept properties untouched', () => {
    const e = redactEvent(
      {
        type: 'page',
        userId: 'ada@example.com',
        traits: { email: 'ada@example.com' },
        properties: { title: 'Welcome back, ada@example.com', url: 'https://shop.example/?email=ada@example.com', note: ['call +44 20 7946 0958'], email: 'ada@example.com' },
        context: {
          page: { url: 'https://shop.example/u/ada%40example.com?gclid=G1', referrer: 'https://mail.example/inbox?to=ada@example.com', title: 'Ada — ada@example.com', path: '/u/ada%40example.com', search: '?gclid=G1' },
          touches: { first: { url: 'https://shop.example/?email=ada@example.com&utm_source=news', utm_source: 'news', at: '2026-01-01T00:00:00.000Z' } },
          client_touches: { last: { url: 'https://shop.example/?token=9f8e7d6c5b4a', referrer: 'https://mail.example/?u=ada@example.com', at: '2026-01-01T00:00:00.000Z' } },
        },
      } as never,
      rules,
      new Set(['email']),
    );
    expect(e.userId).toBe('ada@example.com');
    expect(e.traits).toEqual({ email: 'ada@example.com' });
    expect(e.properties).toEqual({ title: 'Welcome back, [email]', url: 'https://shop.example/?email=[redacted]', note: ['call [phone]'], email: 'ada@example.com' });
    expect(e.context!.page).toEqual({ url: 'https://shop.example/u/[email]?gclid=G1', referrer: 'https://mail.example/inbox?to=[email]', title: 'Ada — [email]', path: '/u/[email]', search: '?gclid=G1' });
    expect((e.context as { touches: { first: { url: string } } }).touches.first.url).toBe('https://shop.example/?email=[redacted]&utm_source=news');
    expect((e.context as { client_touches: unknown }).client_touches).toEqual({ last: { url: 'https://shop.example/?token=[redacted]', referrer: 'https://mail.example/?u=[email]', at: '2026-01-01T00:00:00.000Z' } });
  });
});

describe('redaction at ingest, through the HTTP API', () => {
  let h: Harness;
  let off: Harness;
  const page = {
    type: 'page',
    anonymousId: 'anon-1',
    messageId: 'm-1',
    properties: { title: 'Reset for ada@example.com' },
    context: { page: { url: 'https://shop.example/reset?email=ada%40example.com&gclid=Cj0-click&utm_source=google', referrer: 'https://mail.example/?u=ada@example.com', title: 'Reset for ada@example.com' } },
  };
  beforeAll(async () => {
    [h, off] = await Promise.all([startHarness(), startHarness({ privacy: { redaction: { enabled: false } } })]);
    for (const t of [h, off]) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: t.auth }, payload: { batch: [page] } });
      expect(res.statusCode).toBe(200);
    }
  });
  afterAll(async () => Promise.all([h?.dispose(), off?.dispose()]));

  it('stores the redacted page; the click id and UTMs still credit the touch', async () => {
    const [row] = await h.sql(`SELECT url, referrer, title, search, gclid, utm_source, click_id, CAST(properties AS VARCHAR) AS props FROM events`);
    expect(row).toMatchObject({
      url: 'https://shop.example/reset?email=[redacted]&gclid=Cj0-click&utm_source=google',
      referrer: 'https://mail.example/?u=[email]',
      title: 'Reset for [email]',
      gclid: 'Cj0-click',
      utm_source: 'google',
      click_id: 'Cj0-click',
    });
    expect(JSON.stringify(row)).not.toMatch(/ada/);
  });

  it('with redaction off, the same event is stored as sent', async () => {
    const [row] = await off.sql(`SELECT url, title FROM events`);
    expect(row).toMatchObject({ url: page.context.page.url, title: page.context.page.title });
  });
});

describe('the tracker\'s touch store (SQLite, beside DuckDB) keeps redacted landing URLs and referrers', () => {
  let h: Harness;
  let off: Harness;
  beforeAll(async () => {
    [h, off] = await Promise.all([startHarness(), startHarness({ privacy: { redaction: { enabled: false } } })]);
  });
  afterAll(async () => Promise.all([h?.dispose(), off?.dispose()]));

  it('an email in a query, a %40-encoded one and a token parameter are gone from the stored touches', async () => {
    const { visitorId } = await trackLanding(h, h.writeKey);
    const stored = await h.touchStore.get(visitorId);
    for (const t of [stored?.first, stored?.session]) {
      expect(t).toMatchObject({ url: TOUCH_CASES.storedUrl, referrer: TOUCH_CASES.storedReferrer });
    }
    expect(stored?.first).toMatchObject({ utm_source: 'newsletter' });
    expect(JSON.stringify(stored)).not.toMatch(/ada|9f8e7d6c5b4a/);
  });

  it('the answer to the browser carries the touches as stored, not the page\'s own URL', async () => {
    const { answer } = await trackLanding(h, h.writeKey);
    expect(answer.touches?.first).toMatchObject({ url: TOUCH_CASES.storedUrl, referrer: TOUCH_CASES.storedReferrer, utm_source: 'newsletter' });
    expect(JSON.stringify(answer)).not.toMatch(/ada|9f8e7d6c5b4a/);
  });

  it('a claim of touches carrying PII (an old cache, a hand-made client) is kept redacted beside the server\'s', async () => {
    const claimed = { first: { url: TOUCH_CASES.url, referrer: TOUCH_CASES.referrer, utm_source: 'cached', at: '2026-01-01T00:00:00.000Z' } };
    const { visitorId } = await trackLanding(h, h.writeKey, claimed);
    expect(visitorId).toMatch(/^[\w-]+$/); // the server's own id: safe in the statement's text
    const [row] = await h.sql(`SELECT CAST(context AS VARCHAR) AS context FROM events WHERE anonymous_id = '${visitorId}'`);
    const context = JSON.parse(String(row!['context']));
    expect(context.client_touches.first).toMatchObject({ url: TOUCH_CASES.storedUrl, referrer: TOUCH_CASES.storedReferrer, utm_source: 'cached' });
    expect(JSON.stringify(context)).not.toMatch(/ada|9f8e7d6c5b4a/);
  });

  it('with redaction off, they are stored as the page sent them', async () => {
    const { visitorId, answer } = await trackLanding(off, off.writeKey);
    expect((await off.touchStore.get(visitorId))?.first).toMatchObject({ url: TOUCH_CASES.url, referrer: TOUCH_CASES.referrer });
    expect(answer.touches?.first).toMatchObject({ url: TOUCH_CASES.url, referrer: TOUCH_CASES.referrer });
  });
});

describe('failed events keep their raw text redacted', () => {
  let h: Harness;
  let off: Harness;
  // Refused (a track without an event name), carrying PII in its page, a free-text property and a kept one.
  const refused = {
    type: 'track', userId: 'u-raw', messageId: 'raw-1',
    properties: { note: 'call me at ada@example.com', email: 'ada@example.com' },
    context: { page: { url: 'https://shop.example/reset?token=9f8e7d6c5b4a&email=ada%40example.com&utm_source=news' } },
  };
  const send = (t: Harness) => t.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: t.auth }, payload: { batch: [refused, { type: 'track', event: 'Kept', userId: 'u-raw', messageId: 'raw-2' }] } });
  const malformed = (t: Harness) =>
    t.app.inject({ method: 'POST', url: '/v1/track', headers: { authorization: t.auth, 'content-type': 'application/json' }, payload: '{"userId": "u-bad", "note": "ada@example.com", ' });
  const rawOf = async (t: Harness, where: string) => (await t.sql(`SELECT raw FROM failed_events WHERE ${where}`)).map((r) => String(r['raw']));
  beforeAll(async () => {
    [h, off] = await Promise.all([startHarness(), startHarness({ privacy: { redaction: { enabled: false } } })]);
    for (const t of [h, off]) {
      expect((await send(t)).json()).toMatchObject({ accepted: 1, rejected: [{ index: 0 }] });
      expect((await malformed(t)).statusCode).toBe(400);
    }
  });
  afterAll(async () => Promise.all([h?.dispose(), off?.dispose()]));

  it('a refused event: page URL and free text redacted; ids, the kept email and UTMs as sent (what replay and suppression read)', async () => {
    const [raw] = await rawOf(h, `message_id = 'raw-1'`);
    expect(JSON.parse(raw!)).toEqual({
      ...refused,
      properties: { note: 'call me at [email]', email: 'ada@example.com' },
      context: { page: { url: 'https://shop.example/reset?token=[redacted]&email=[redacted]&utm_source=news' } },
    });
  });

  it('a body that did not parse: its text redacted by the detectors', async () => {
    const raws = await rawOf(h, `reason LIKE '%JSON%' OR raw LIKE '%u-bad%'`);
    expect(raws).toHaveLength(1);
    expect(raws[0]).toContain('u-bad');
    expect(raws[0]).toContain('[email]');
    expect(raws[0]).not.toContain('ada@example.com');
  });

  it('with redaction off, both are kept as sent', async () => {
    expect(JSON.parse((await rawOf(off, `message_id = 'raw-1'`))[0]!)).toEqual(refused);
    expect((await rawOf(off, `raw LIKE '%u-bad%'`))[0]).toContain('ada@example.com');
  });
});
