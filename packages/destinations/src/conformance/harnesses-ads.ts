import { tiktokEvents, type TiktokEventsConfig } from '../destinations/tiktok-events/index.js';
import type { TiktokEvent } from '../destinations/tiktok-events/payload.js';
import { startTiktokEventsStandIn } from '../testing/stand-ins/tiktok-events-stand-in.js';
import type { ConformanceHarness } from './harness.js';

/** 2026-11-25T12:00:00Z, as the other built-in harnesses. */
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const HOUR = 3_600_000;
const TOKEN = 'test-token';
const times = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

export const tiktokEventsHarness: ConformanceHarness<TiktokEventsConfig, TiktokEvent> = {
  destination: tiktokEvents,
  now: NOW,
  startStandIn: ({ clock }) => startTiktokEventsStandIn({ clock, accessToken: TOKEN, eventSourceId: 'CABC123' }),
  config: (endpoint) => tiktokEvents.configSchema.parse({ endpoint, accessToken: TOKEN, eventSourceId: 'CABC123' }),
  rows: (n, tag = 'a') =>
    times(n, (i) => ({
      event_id: `evt-${tag}-${i}`,
      event_time: new Date(NOW - HOUR),
      ttclid: `E.C.P.${tag}${i}`,
      email: ` CoreyTest${i}@Example.com `,
      phone: '+1 555 555 5555',
      value: 20 + i,
      currency: 'usd',
      consent_ad_user_data: true,
    })),
  invalidRow: { row: { event_id: 'evt-old', event_time: new Date(NOW - 10 * 24 * HOUR), ttclid: 'x', consent_ad_user_data: true }, field: 'event_time' },
};
