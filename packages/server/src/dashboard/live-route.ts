import type { FastifyReply, FastifyRequest } from 'fastify';
import { LiveQuery } from './dashboard-route-docs.js';
import type { LiveEvent, LiveTap } from './live-tap.js';

/** Events queued for one slow viewer at most; past it that viewer's events are dropped (and counted). */
const MAX_QUEUED_BYTES = 256 * 1024;

function matches(e: LiveEvent, f: { source?: string | undefined; type?: string | undefined }): boolean {
  return (!f.source || e.sourceId === f.source) && (!f.type || e.type === f.type || e.event === f.type);
}

/**
 * `GET /admin/dashboard/live?source=&type=`: to a client that accepts `text/event-stream` (every
 * EventSource does), server-sent events, the buffered events first, then each new one; a viewer
 * that reads too slowly loses events, never the server's memory. To any other client (curl, a
 * script), the buffered events as one JSON answer, so a plain GET always ends.
 */
export function liveHandler(tap: LiveTap) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const filter = LiveQuery.parse(request.query);
    if (!String(request.headers.accept ?? '').includes('text/event-stream')) {
      return { events: tap.recent().filter((e) => matches(e, filter)), skipped: tap.skipped };
    }
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      connection: 'keep-alive',
    });
    let dropped = 0;
    const send = (e: LiveEvent) => {
      if (!matches(e, filter)) return;
      if (res.writableLength > MAX_QUEUED_BYTES) {
        dropped++;
        return;
      }
      res.write(`data: ${JSON.stringify(e)}\n\n`);
    };
    for (const e of tap.recent()) send(e);
    const unsubscribe = tap.subscribe(send);
    // A comment line now and then keeps proxies from closing an idle stream, and says what was lost.
    const ping = setInterval(() => res.write(`: skipped ${tap.skipped} dropped ${dropped}\n\n`), 15_000);
    request.raw.on('close', () => {
      clearInterval(ping);
      unsubscribe();
    });
  };
}
