/**
 * `@touchline/tracker`: the Touchline browser tracker. ESM entry for apps and tests; the
 * script-tag build is `dist/s.js` (`@touchline/tracker/s.js`), loaded by the `snippet()`.
 */
export { createTracker, CONSENT_EVENT, type CallOptions, type Tracker } from './tracker.js';
export { browserEnv } from './browser-env.js';
export type { KeyValueStore, PageFacts, PostResult, TrackerEnv } from './env.js';
export type { BufferedCall, ConsentUpdate, TrackerOptions } from './options.js';
export { GLOBAL_NAME, snippet, snippetJs, type SnippetOptions } from './snippet.js';
export { retryable } from './transport.js';
export { VERSION } from './version.js';
export { DEFAULT_REFERRAL_EXCLUSIONS, TRACKER_MAX_PAYLOAD_BYTES } from './protocol.js';
