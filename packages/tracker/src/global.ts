/**
 * Types for the snippet's global, `window.touchline`. Type-only: bring them into a program with
 * `import type {} from '@touchline/tracker/global'` (or list `@touchline/tracker/global` in
 * tsconfig `types`); nothing of this file exists at run time.
 */
import type { Tracker } from './tracker.js';

/**
 * What `window.touchline` is. Before `s.js` has loaded it is the snippet's stub, which records
 * each call (with the URL it was made on) for the tracker to replay and returns nothing — so
 * `flush()` gives a Promise only once the tracker has taken the stub's place.
 */
export interface TouchlineGlobal extends Omit<Tracker, 'flush'> {
  /** Sends what is queued now: a Promise that never rejects once the tracker runs; `undefined` from the stub. */
  flush(): Promise<void> | undefined;
}

declare global {
  interface Window {
    /** The Touchline tracker (or, until `s.js` loads, the snippet's stub): `GLOBAL_NAME`. */
    touchline: TouchlineGlobal;
  }
  /** The snippet calls it bare (`touchline.page()`), as pages do. */
  var touchline: TouchlineGlobal;
}
