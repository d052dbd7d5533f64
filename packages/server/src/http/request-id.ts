import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** What a proxy's `X-Request-Id` may be to be taken as ours: no spaces, quotes, `@` or `=`. */
const PROXY_ID = /^[A-Za-z0-9._:-]{8,64}$/;

/**
 * Request ids unique across restarts and collectors (a random prefix per app, then a counter):
 * they are kept in `failed_events.request_id` and in log lines long after the process is gone.
 * An `X-Request-Id` from the proxy in front is kept when it looks like an id, so one id runs from
 * the proxy's log to the loader's; anything else is replaced, never echoed.
 */
export function requestIds(): (req: IncomingMessage) => string {
  const prefix = randomBytes(4).toString('hex');
  let n = 0;
  return (req) => {
    const given = req.headers['x-request-id'];
    if (typeof given === 'string' && PROXY_ID.test(given)) return given;
    return `${prefix}-${(++n).toString(36)}`;
  };
}
