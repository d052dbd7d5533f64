import { demoEvents } from '../../../src/demo/demo-journeys.js';
import type { Harness } from '../../support/harness.js';

/** Posts the demo shop's events to the harness's collector over HTTP (the real ingest path), then loads them. */
export async function loadDemoOverHttp(h: Harness, options: { people?: number; now: number }): Promise<{ accepted: number; rejected: number }> {
  const events = demoEvents({ people: options.people ?? 400, now: options.now });
  let accepted = 0;
  let rejected = 0;
  for (let i = 0; i < events.length; i += 500) {
    const res = await fetch(`${h.url}/v1/batch`, {
      method: 'POST',
      headers: { authorization: h.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ batch: events.slice(i, i + 500) }),
    });
    const body = (await res.json()) as { accepted: number; rejected: unknown[] };
    accepted += body.accepted;
    rejected += body.rejected.length;
  }
  await h.loader.flush();
  return { accepted, rejected };
}

/** Where the browser tests put their screenshots (git-ignored; docs/images holds the published ones). */
export const ARTIFACTS = new URL('../../../test-artifacts/dashboard/', import.meta.url).pathname;
