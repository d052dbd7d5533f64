/**
 * Spooled marketing events as the loader finds them: sealed segment files of 10 000 rows, each
 * row a page view or product view with UTMs, a gclid, a page URL and a Safari user agent.
 */
import { eventLine, writeSegment } from '../../test/support/rows.js';

export const BENCH_UA =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15';

/** The n-th bench event, as an SDK sends it. */
export function benchEvent(n: number): Record<string, unknown> {
  return {
    type: n % 4 === 0 ? 'page' : 'track',
    event: n % 4 === 0 ? undefined : 'Product Viewed',
    messageId: `bench-${n}`,
    anonymousId: `anon-${n % 50_000}`,
    timestamp: new Date(Date.UTC(2026, 2, 1) + n * 37).toISOString(),
    context: {
      page: { url: `https://shop.test/p/${n % 500}?utm_source=google&utm_medium=cpc&utm_campaign=c${n % 20}&gclid=Cj0${n}`, referrer: 'https://www.google.com/' },
      library: { name: 'analytics.js', version: '5.2.0' },
    },
    properties: { sku: `sku-${n % 500}`, price: (n % 100) + 0.99, currency: 'EUR' },
  };
}

/** Sealed segments of `events` spooled rows in `dir`; their paths in order. */
export async function writeSegments(dir: string, events: number): Promise<string[]> {
  const files: string[] = [];
  const perFile = 10_000;
  for (let from = 0, seq = 1; from < events; from += perFile, seq++) {
    const lines = Array.from({ length: Math.min(perFile, events - from) }, (_, i) => {
      const e = benchEvent(from + i);
      return eventLine(e, { userAgent: BENCH_UA, receivedAt: String(e['timestamp']) });
    });
    files.push(await writeSegment(dir, seq, lines));
  }
  return files;
}
