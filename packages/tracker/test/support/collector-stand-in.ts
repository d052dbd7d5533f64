/**
 * TEST ONLY: a minimal stand-in for the Touchline collector's tracker endpoint, answering as its
 * contract says (packages/tracker/README.md, "Wire contract"): it owns identity through an
 * HttpOnly first-party cookie, keeps first/last touch per visitor, and answers
 * `{"success":true,"touches":{"first","last"},"anonymousId"}`. It records every request so tests
 * can check what reached the server. The real collector replaces it in end-to-end scenarios.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SegmentEvent, Touch } from '@touchline/protocol';

export interface ReceivedRequest {
  method: string;
  path: string;
  contentType: string | undefined;
  cookie: string | undefined;
  bytes: number;
  body: { batch: SegmentEvent[]; sentAt: string; writeKey: string } | undefined;
}

export const VISITOR_COOKIE = 'tl_vid';

/** What the stand-in remembers across requests, as a server's database does. */
export function standInMemory() {
  return { visitors: new Map<string, { first?: Touch; last?: Touch }>(), issued: 0 };
}

/** A fresh request log over `memory` (share one memory across tests, as one server). */
export function collectorStandIn(memory = standInMemory()) {
  const { visitors } = memory;
  const c = {
    requests: [] as ReceivedRequest[],
    /** Status to answer the next POSTs with (then 200). */
    failNext: [] as number[],
    /** Every event received, in order. */
    events: (): SegmentEvent[] => c.requests.flatMap((r) => r.body?.batch ?? []),
    visitors,
    handler(req: IncomingMessage, res: ServerResponse, raw: Buffer): void {
      const cookie = req.headers.cookie;
      const r: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        contentType: req.headers['content-type'],
        cookie,
        bytes: raw.length,
        body: undefined,
      };
      c.requests.push(r);
      if (req.method !== 'POST' || !req.url?.startsWith('/_t/b')) return void res.writeHead(404).end();
      const fail = c.failNext.shift();
      if (fail) return void res.writeHead(fail).end();
      try {
        r.body = JSON.parse(raw.toString('utf8'));
      } catch {
        return void res.writeHead(400).end('{"success":false}');
      }
      const id = new RegExp(`(?:^|; )${VISITOR_COOKIE}=([^;]+)`).exec(cookie ?? '')?.[1] ?? `vid-${++memory.issued}`;
      const v = visitors.get(id) ?? {};
      for (const e of r.body!.batch) {
        const t = e.context?.touches;
        if (t?.first && !v.first) v.first = t.first; // written once
        if (t?.last) v.last = t.last;
      }
      visitors.set(id, v);
      res.writeHead(200, {
        'content-type': 'application/json',
        // re-issued (slid) on every answer; HttpOnly: the tracker never sees it
        'set-cookie': `${VISITOR_COOKIE}=${id}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax`,
      });
      res.end(JSON.stringify({ success: true, touches: { first: v.first, last: v.last }, anonymousId: id }));
    },
  };
  return c;
}

export type CollectorStandIn = ReturnType<typeof collectorStandIn>;
