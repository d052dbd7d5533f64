import { expect } from 'vitest';
import { SpendPullError, type SpendPage, type SpendPullContext, type SpendSource, type SpendWindow } from '../../../src/spend/pull/spend-source.js';
import { manualClock } from '../../support/manual-clock.js';

/**
 * A spend source's context against a stand-in: a manual clock that each wait advances (the waits
 * are recorded), a fixed token and credentials.
 */
export function sourceHarness(token = 'test-token', credentials: Record<string, string> = {}) {
  const clock = manualClock(Date.parse('2026-11-10T08:00:00Z'));
  const sleeps: number[] = [];
  const ctx = (url: string): SpendPullContext => ({
    fetch: globalThis.fetch, accessToken: async () => token, credentials, baseUrl: url, clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.advance(ms);
    },
  });
  return { clock, sleeps, ctx };
}

/** Every page a source yields for a window. */
export async function collectPages(source: SpendSource, window: SpendWindow, ctx: SpendPullContext): Promise<SpendPage[]> {
  const pages: SpendPage[] = [];
  for await (const page of source.pull(window, ctx)) pages.push(page);
  return pages;
}

/** The SpendPullError a run ends with (the test fails if it ends otherwise). */
export async function pullFailure(run: Promise<unknown>): Promise<SpendPullError> {
  const e = await run.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(SpendPullError);
  return e as SpendPullError;
}
