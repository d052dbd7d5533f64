/**
 * Request diagnostics of the Data Manager stand-in: `GET /v1/requestStatus:retrieve?requestId=`
 * (activation-contracts.md §1.11: "Processing is asynchronous, so fetch diagnostics with
 * requestStatus:retrieve"). The answer follows our reading of the v1
 * `RetrieveRequestStatusResponse` (`requestStatusPerDestination[{requestStatus,
 * errorInfo.errorCounts[{recordCount, reason}]}]`); the research notes do not show it (README).
 */
import type { StandInAnswer } from '../stand-in-types.js';

/** A verdict a test puts on the next accepted request (or a given one). */
export interface LateVerdict {
  readonly status: 'SUCCESS' | 'PARTIAL_SUCCESS' | 'FAILED' | 'PROCESSING';
  readonly errors?: readonly { readonly reason: string; readonly count: number }[];
}

interface Tracked {
  readonly at: number;
  readonly rows: number;
  readonly kind: 'events' | 'audience';
  verdict?: LateVerdict;
}

export function createRequestStatusStore(processingMs: number) {
  const requests = new Map<string, Tracked>();
  const queued: LateVerdict[] = [];
  return {
    /** Records an accepted request; a queued verdict applies to it. */
    track(requestId: string, at: number, rows: number, kind: Tracked['kind']): void {
      const verdict = queued.shift();
      requests.set(requestId, { at, rows, kind, ...(verdict ? { verdict } : {}) });
    },
    /** The next accepted request will get this verdict once processed. */
    queue(v: LateVerdict): void {
      queued.push(v);
    },
    settle(requestId: string, v: LateVerdict): void {
      const t = requests.get(requestId);
      if (t) t.verdict = v;
    },
    answer(requestId: string | undefined, now: number): StandInAnswer | undefined {
      const t = requestId ? requests.get(requestId) : undefined;
      if (!t) return undefined;
      const status = now < t.at + processingMs ? 'PROCESSING' : (t.verdict?.status ?? 'SUCCESS');
      const errors = status === 'PROCESSING' ? [] : (t.verdict?.errors ?? []);
      const ingested = t.rows - errors.reduce((n, e) => n + e.count, 0);
      return {
        status: 200,
        body: {
          requestStatusPerDestination: [
            {
              destination: { reference: 'touchline' },
              requestStatus: status,
              ...(errors.length ? { errorInfo: { errorCounts: errors.map((e) => ({ recordCount: String(e.count), reason: e.reason })) } } : {}),
              [t.kind === 'events' ? 'eventsIngestionStatus' : 'audienceMembersIngestionStatus']: { recordCount: String(Math.max(0, ingested)) },
            },
          ],
        },
      };
    },
    clear(): void {
      requests.clear();
      queued.length = 0;
    },
  };
}
export type RequestStatusStore = ReturnType<typeof createRequestStatusStore>;
