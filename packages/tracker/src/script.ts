/**
 * The script-tag build (`dist/s.js`): picks up the loader stub the snippet left on `window`
 * (options, the landing captured at snippet time, buffered calls), creates the tracker, replays
 * the calls and takes the stub's place.
 */
import type { BufferedCall, TrackerOptions } from './options.js';
import { GLOBAL_NAME } from './snippet.js';
import { createTracker } from './tracker.js';

/** What the snippet leaves on `window[name]`: an array of buffered calls plus `o` and `c`. */
interface Stub extends Array<BufferedCall> {
  /** Options. */
  o?: TrackerOptions;
  /** The landing (`location.href`, `document.referrer`) at snippet time. */
  c?: TrackerOptions['landing'];
}

try {
  const w = window as unknown as Record<string, Stub | undefined>;
  const el = document.currentScript as HTMLScriptElement | null;
  const stub = w[GLOBAL_NAME] ?? [];
  // Not an array: a tracker already loaded (the script was included twice).
  if (Array.isArray(stub))
    w[GLOBAL_NAME] = createTracker(
      // `c` is undefined only without the snippet; then the page now is the landing
      { ...(el && { endpoint: new URL('b', el.src).href }), ...stub.o, landing: stub.c!, buffered: stub },
    ) as unknown as Stub;
} catch {
  // never into the host page
}
