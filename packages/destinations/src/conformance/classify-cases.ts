import { expect, it } from 'vitest';
import { deliver } from '../contract/deliver.js';
import { statuses, type SuiteScope } from './suite-scope.js';

/** The vendor's answers classified once: rate-limited, retryable, permanent. */
export function classifyCases<C, P>(s: SuiteScope<C, P>): void {
  const { harness, ctx } = s;
  const dest = harness.destination;
  it('classifies 429 with Retry-After as rate-limited, with the wait', async () => {
    s.standIn().script({ status: 429, headers: { 'retry-after': '7' } });
    const results = await deliver(dest, harness.rows(2, 'r429'), ctx());
    expect(statuses(results)).toEqual(['rate_limited', 'rate_limited']);
    expect(results[0]!.retryAfterMs).toBe(7000);
  });

  it('classifies 500 and 503 as retryable', async () => {
    s.standIn().script({ status: 500 }, { status: 503 });
    expect(statuses(await deliver(dest, harness.rows(1, 'r500'), ctx()))).toEqual(['retryable']);
    expect(statuses(await deliver(dest, harness.rows(1, 'r503'), ctx()))).toEqual(['retryable']);
  });

  it('classifies a 4xx validation answer as permanent', async () => {
    s.standIn().script({ status: 400 });
    const results = await deliver(dest, harness.rows(1, 'r400'), ctx());
    expect(statuses(results)).toEqual(['rejected']);
    expect(results[0]!.retryAfterMs).toBeUndefined();
  });

  it("answers the stand-in's own rate limit as rate-limited, never as delivered", async () => {
    s.standIn().setRateLimit({ requests: 1, windowMs: 60_000 });
    try {
      expect(statuses(await deliver(dest, harness.rows(1, 'rl1'), ctx()))).toEqual(['delivered']);
      expect(statuses(await deliver(dest, harness.rows(1, 'rl2'), ctx()))).toEqual(['rate_limited']);
    } finally {
      s.standIn().setRateLimit(null);
    }
  });

  it('treats refused credentials as permanent', async () => {
    const wrong = harness.wrongCredentials ? harness.wrongCredentials(s.config()) : ({ ...s.config(), accessToken: 'wrong-token' } as C);
    const results = await deliver(dest, harness.rows(1, 'auth'), ctx({ config: wrong }));
    expect(statuses(results)).toEqual(['rejected']);
    expect(s.standIn().accepted).toHaveLength(0);
  });

  it('treats a request that got no answer as retryable', async () => {
    const down = () => Promise.reject(new Error('connect ECONNREFUSED'));
    const results = await deliver(dest, harness.rows(1, 'net'), ctx({ fetch: down }));
    expect(results[0]).toMatchObject({ status: 'retryable', code: 'NETWORK' });
  });
}
