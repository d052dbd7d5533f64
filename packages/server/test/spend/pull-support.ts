/** What the spend pull tests share: a context against a stand-in, on a manual clock, and readers of what landed. */
import type { SpendPullContext } from '../../src/spend/pull/spend-source.js';
import type { Warehouse } from '../../src/warehouse/warehouse.js';
import { manualClock, type ManualClock } from '../support/manual-clock.js';

export interface PullHarness {
  readonly clock: ManualClock;
  /** Every wait the source asked for, in ms. */
  readonly slept: number[];
  context(baseUrl: string, credentials?: Record<string, string>, token?: string): SpendPullContext;
}

/** Waits advance the manual clock at once: a test never sleeps. */
export function pullHarness(start = Date.parse('2026-11-05T09:00:00Z')): PullHarness {
  const clock = manualClock(start);
  const slept: number[] = [];
  return {
    clock,
    slept,
    context: (baseUrl, credentials = {}, token = 'test-token') => ({
      fetch: globalThis.fetch,
      accessToken: async () => token,
      credentials,
      baseUrl,
      clock,
      sleep: async (ms) => {
        slept.push(ms);
        clock.advance(ms);
      },
    }),
  };
}

/** The current spend of a network: `campaign|date` → cost micros, as reports read it. */
export async function spendByDay(warehouse: Warehouse, network: string): Promise<Map<string, bigint>> {
  const r = await warehouse.query(`SELECT campaign_id, CAST(date AS VARCHAR) AS d, sum(cost_micros) AS c FROM ad_spend WHERE network = $n GROUP BY campaign_id, d ORDER BY campaign_id, d`, { params: { n: network } });
  return new Map(r.rows.map((row) => [`${String(row[0])}|${String(row[1])}`, BigInt(String(row[2]))]));
}

export async function countRows(warehouse: Warehouse, table: string): Promise<number> {
  const r = await warehouse.query(`SELECT count(*) FROM ${table}`);
  return Number(r.rows[0]?.[0]);
}
