import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { acksWithoutCoveringSync, orderedSpoolIO, type OrderedIO } from '../support/ordered-spool-io.js';

/**
 * What a sender sees when the disk fails an fdatasync while commits overlap: the requests whose
 * rows that fdatasync (or a later one in flight with it) was to cover get 503 + Retry-After and
 * are not stored; the 200s before and after are, once each. Real files, in-process HTTP.
 */
let h: Harness;
let o: OrderedIO;
beforeEach(async () => {
  o = orderedSpoolIO();
  h = await startHarness({ spool: { rollIntervalMs: 60_000 } }, { spoolIO: o.io });
  await h.loader.stop(); // the test decides when rows are loaded (h.sql loads them)
});
afterEach(async () => {
  await h.dispose();
});

/** One single-event request; a 200 is recorded in the event order as that id's acknowledgement. */
async function track(messageId: string) {
  const res = await h.app.inject({
    method: 'POST',
    url: '/v1/track',
    headers: { authorization: h.auth, 'content-type': 'application/json' },
    payload: JSON.stringify({ anonymousId: 'a', event: 'Commit', messageId }),
  });
  if (res.statusCode === 200) o.record({ kind: 'ack', id: messageId });
  return res;
}

describe('a failed fdatasync under overlapped commits', () => {
  it('answers 503 to exactly the requests it and the groups written after it held, and stores the rest once', async () => {
    o.hold = false;
    expect((await track('before')).statusCode).toBe(200);
    o.hold = true;
    const lost = track('lost');
    const failing = await o.sync(1);
    const following = track('following'); // written while fdatasync 1 runs, in flight behind it
    await o.until((e) => e.kind === 'write' && e.ids.includes('following'));
    const followingSync = await o.sync(2);
    followingSync.pass();
    o.hold = false;
    failing.fail();
    const [a, b] = await Promise.all([lost, following]);
    for (const res of [a, b]) {
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBeDefined();
      expect(res.json()).toMatchObject({ success: false, error: 'unavailable' });
    }
    expect((await track('after')).statusCode).toBe(200);
    const rows = await h.sql(`select message_id from events where event = 'Commit' order by received_at, message_id`);
    expect(rows.map((r) => r['message_id']).sort()).toEqual(['after', 'before']);
    expect(o.events.filter((e) => e.kind === 'ack')).toHaveLength(2);
    expect(acksWithoutCoveringSync(o.events)).toEqual([]);
  });
});
