import type { SegmentEvent } from '@touchline/protocol';
import { redactEvent } from './redact-event.js';
import { redactText, type RedactionRules } from './redact-text.js';

/**
 * The raw text of a refused event, redacted before it is stored in `failed_events` (the same
 * rules as a valid event at ingest: docs/governance.md, "Redaction at ingest"). Redacted on
 * write, not on read: `touchline replay` re-ingests the raw event through the same redaction,
 * so what replay stores is what it would have stored from the original; ids, traits, the event
 * name and the kept properties (`email`, `phone`), which replay and the suppression list need,
 * are left as sent. An object is redacted as an event (its page, referrer, touches, free-text
 * properties); text that did not parse (a malformed body), or anything else, by the text detectors.
 */
export function redactFailedRaw(raw: unknown, r: RedactionRules, keep: ReadonlySet<string>): unknown {
  if (typeof raw === 'string') return redactText(raw, r);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  try {
    return redactEvent(raw as SegmentEvent, r, keep);
  } catch {
    // A shape redactEvent cannot walk (a getter that throws): stored as text, detectors applied.
    let text: string;
    try {
      text = JSON.stringify(raw) ?? '';
    } catch (err) {
      return `[not serialisable: ${(err as Error).message}]`;
    }
    return redactText(text, r);
  }
}
