import { startHarness, type Harness } from './harness.js';

/**
 * Several collectors, each with its own data dir, spool and loader, all writing to one
 * ClickHouse database: what a deployment behind a load balancer looks like, in one process.
 */
export interface Fleet {
  readonly collectors: readonly Harness[];
  /** Sends one batch to a collector; resolves with the HTTP status. */
  send(collector: number, events: readonly Record<string, unknown>[]): Promise<number>;
  /** Loads every spool into the warehouse. */
  flush(): Promise<void>;
  dispose(): Promise<void>;
}

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
