import type { SegmentEvent } from '@touchline/protocol';
import { z } from 'zod';
import { redactEvent } from './redact-event.js';
import { redactFailedRaw } from './redact-failed.js';
import { DEFAULT_REDACTED_PARAMS, redactUrl, type RedactionRules } from './redact-text.js';

const isRegex = (s: string): boolean => {
  try {
    new RegExp(s, 'g');
    return true;
  } catch {
    // The schema's refine turns false into an error naming the pattern.
    return false;
  }
};

/** `privacy`: what is removed from events at ingest (docs/governance.md, "Redaction"). */
export const PrivacyConfigSchema = z
  .object({
    /**
     * The secret the suppression list's identifier hashes are keyed with. Collectors sharing one
     * warehouse must all have the same one, or a person deleted through one is not recognised by
     * the others (docs/governance.md, "Several collectors"). Write it `env:NAME` or
     * `file:/path`, or set `TOUCHLINE_SUPPRESSION_KEY`. Set it before the first privacy request:
     * hashes made under another key no longer match. @defaultValue the data dir's own pepper
     */
    suppressionKey: z.string().min(32, { message: 'must be at least 32 characters (e.g. openssl rand -hex 32)' }).optional(),
    /** How often each collector publishes its suppressions and reads the others'. @defaultValue 30000 */
    suppressionPollMs: z.number().int().min(1000).default(30_000),
    redaction: z
      .object({
        /** Redact at ingest at all. @defaultValue true */
        enabled: z.boolean().default(true),
        /** Email addresses (plain, or `%40`-encoded in URLs). @defaultValue true */
        emails: z.boolean().default(true),
        /** Phone numbers written as such (`+44 20 7946 0958`, `(555) 123-4567`). @defaultValue true */
        phones: z.boolean().default(true),
        /** Card numbers (13–19 digits passing the Luhn check). @defaultValue true */
        cards: z.boolean().default(true),
        /** Query parameter names whose values are removed, besides the built-in ones (`email`, `token`, `password`…). @defaultValue [] */
        queryParams: z.array(z.string().min(1)).default([]),
        /** Regular expressions (JavaScript syntax) whose matches are removed from the same fields. @defaultValue [] */
        patterns: z.array(z.string().min(1).refine(isRegex, { message: 'must be a JavaScript regular expression, e.g. "CUST-\\\\d{6}"' })).default([]),
        /** Properties left as sent (conversions send `email` and `phone` on purpose, for ad matching). @defaultValue ['email', 'phone'] */
        keepProperties: z.array(z.string().min(1)).default(['email', 'phone']),
      })
      .prefault({}),
  })
  .prefault({});

export type PrivacyConfig = z.infer<typeof PrivacyConfigSchema>;

/** The redaction rules of a config section. */
export function redactionRules(c: PrivacyConfig['redaction']): RedactionRules {
  return {
    emails: c.emails,
    phones: c.phones,
    cards: c.cards,
    queryParams: new Set([...DEFAULT_REDACTED_PARAMS, ...c.queryParams.map((p) => p.toLowerCase())]),
    patterns: c.patterns.map((p) => new RegExp(p, 'g')),
  };
}

/** The ingest's URL redaction (touch stores' landing URLs and referrers), or undefined when off. */
export function urlRedaction(c: PrivacyConfig): ((url: string) => string) | undefined {
  if (!c.redaction.enabled) return undefined;
  const rules = redactionRules(c.redaction);
  return (url) => redactUrl(url, rules);
}

/** The redaction of a refused event's raw text before `failed_events` stores it (redact-failed.ts), or undefined when off. */
export function failedRedaction(c: PrivacyConfig): ((raw: unknown) => unknown) | undefined {
  if (!c.redaction.enabled) return undefined;
  const rules = redactionRules(c.redaction);
  const keep = new Set(c.redaction.keepProperties);
  return (raw) => redactFailedRaw(raw, rules, keep);
}

/** The ingest's redaction step, or undefined when `privacy.redaction.enabled` is false. */
export function eventRedaction(c: PrivacyConfig): ((e: SegmentEvent) => SegmentEvent) | undefined {
  if (!c.redaction.enabled) return undefined;
  const rules = redactionRules(c.redaction);
  const keep = new Set(c.redaction.keepProperties);
  return (e) => redactEvent(e, rules, keep);
}
