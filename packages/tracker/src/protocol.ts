/**
 * The slice of `@touchline/protocol` the tracker uses: its data (click-id registry, UTM list,
 * referral exclusions, session timeout, payload limit) and the retry rule for a failed send. esbuild bundles them into the script;
 * the touch rules (and `hostOf`) are restated compactly in `touch-compact.ts` and proven
 * equal to the protocol's by test.
 */
export {
  CLICK_IDS,
  DEFAULT_REFERRAL_EXCLUSIONS,
  DEFAULT_SESSION_TIMEOUT_MS,
  TRACKER_MAX_PAYLOAD_BYTES,
  UTM_KEYS,
  retryableStatus,
} from '@touchline/protocol';
export type {
  ConsentState,
  ContextTouches,
  EventContext,
  SegmentEvent,
  Touch,
  TouchState,
} from '@touchline/protocol';
