/**
 * Request limits, as Segment documents them for its HTTP Tracking API: "32KB per call … batch
 * endpoint accepts a maximum of 500KB per batch" (shared/research/anchors.md §2.5). Both are
 * configurable in Touchline (`limits.maxEventBytes`, `limits.maxBatchBytes`).
 */
export const DEFAULT_MAX_EVENT_BYTES = 32 * 1024;
export const DEFAULT_MAX_BATCH_BYTES = 500 * 1024;
/** Keep-alive request budget the browser tracker stays under (the fetch spec allows 64 KiB). */
export const TRACKER_MAX_PAYLOAD_BYTES = 48 * 1024;
