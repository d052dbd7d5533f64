import { startHarness, type Harness } from './harness.js';

/**
 * Several collectors, each with its own data dir, spool and loader, all writing to one
 * ClickHouse database: what a deployment behind a load balancer looks like, in one process.
 */
export interface Fleet {
  readonly collectors: readonly Harness[];
  /** Sends one batch to a collector; resolves with the HTTP status. */
  send(collector: number, events: readonly Record<string, unknown>[]): Promise<number>;
  /**
   * A tracker request (`/_t/b`) as the browser script sends it, with the visitor cookie when
   * given; answers with the status, the visitor id of the cookie set (if any) and the body.
   */
  track(collector: number, events: readonly Record<string, unknown>[], visitorId?: string): Promise<TrackerAnswer>;
  /** Loads every spool into the warehouse. */
  flush(): Promise<void>;
  dispose(): Promise<void>;
}

export interface TrackerAnswer {
  readonly status: number;
  readonly visitorId: string | undefined;
  readonly body: { anonymousId?: string; touches?: { first?: Record<string, unknown>; last?: Record<string, unknown> } };
}

const BROWSER = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';

export const FLEET_WRITE_KEY = 'wk-fleet-0123456789';

export async function startFleet(size: number, clickhouseUrl: string, database: string): Promise<Fleet> {
  const collectors: Harness[] = [];
  // One after another: the first creates the schema and the default source, the others find them.
  for (let i = 0; i < size; i++) {
    collectors.push(
      await startHarness({
        writeKey: FLEET_WRITE_KEY,
        warehouse: { engine: 'clickhouse', clickhouse: { url: clickhouseUrl, database } },
        spool: { rollIntervalMs: 50 },
      }),
    );
  }
  const auth = 'Basic ' + Buffer.from(FLEET_WRITE_KEY + ':').toString('base64');
  return {
    collectors,
    async send(collector, events) {
      const res = await collectors[collector]!.app.inject({
        method: 'POST',
        url: '/v1/batch',
        headers: { authorization: auth, 'content-type': 'application/json' },
        payload: { batch: events },
      });
      return res.statusCode;
    },
    async track(collector, events, visitorId) {
      const res = await collectors[collector]!.app.inject({
        method: 'POST',
        url: '/_t/b',
        headers: {
          'content-type': 'text/plain;charset=UTF-8',
          host: 'www.shop.test',
          'user-agent': BROWSER,
          ...(visitorId ? { cookie: `tl_vid=${visitorId}` } : {}),
        },
        payload: JSON.stringify({ batch: events, sentAt: new Date().toISOString(), writeKey: FLEET_WRITE_KEY }),
      });
      const cookie = /tl_vid=([^;]*)/.exec(String(res.headers['set-cookie'] ?? ''))?.[1];
      return { status: res.statusCode, visitorId: cookie, body: res.json() as TrackerAnswer['body'] };
    },
    async flush() {
      for (const c of collectors) await c.loader.flush();
    },
    async dispose() {
      for (const c of collectors) await c.dispose();
    },
  };
}

/** A track event with a stable message id. */
export function trackEvent(messageId: string, anonymousId: string): Record<string, unknown> {
  return {
    type: 'track',
    event: 'Fleet Test',
    messageId,
    anonymousId,
    timestamp: '2026-03-01T12:00:00.000Z',
    properties: { n: messageId },
  };
}

/** A page view as the tracker sends it (consent granted), with a stable message id. */
export function pageView(messageId: string, url: string, timestamp: string, referrer = ''): Record<string, unknown> {
  return {
    type: 'page',
    messageId,
    timestamp,
    anonymousId: 'browser-made-id',
    properties: { url },
    context: { page: { url, referrer }, consent: { analytics_storage: true } },
  };
}
