import { demoEvents } from '../../../src/demo/demo-journeys.js';
import type { Harness } from '../../support/harness.js';

/**
 * Posts the demo shop's events to the harness's collector over HTTP (the real ingest path), then
 * loads them; with `spend`, also the demo's ad spend through the admin route `touchline demo` uses.
 */
export async function loadDemoOverHttp(h: Harness, options: { people?: number; now: number; spend?: boolean }): Promise<{ accepted: number; rejected: number }> {
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
  if (options.spend) {
    const res = await fetch(`${h.adminUrl}/admin/demo/spend`, { method: 'POST', headers: { authorization: `Bearer ${h.adminToken}`, 'content-type': 'application/json' }, body: '{}' });
    if (res.status !== 200) throw new Error(`POST /admin/demo/spend answered ${res.status}: ${await res.text()}`);
  }
  return { accepted, rejected };
}

/** Where the browser tests put their screenshots (git-ignored; docs/images holds the published ones). */
export const ARTIFACTS = new URL('../../../test-artifacts/dashboard/', import.meta.url).pathname;
