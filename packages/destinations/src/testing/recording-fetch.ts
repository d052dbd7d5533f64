import type { FetchLike } from '../contract/context.js';

export interface RecordedCall {
  readonly url: string;
  readonly method: string;
  readonly body: string | undefined;
}

/** Wraps a fetch and records every call, so a test can check where requests went. */
export function recordingFetch(inner: FetchLike = (url, init) => fetch(url, init)): { fetch: FetchLike; calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  return {
    calls,
    fetch: (url, init) => {
      calls.push({ url, method: init.method, body: init.body });
      return inner(url, init);
    },
  };
}
