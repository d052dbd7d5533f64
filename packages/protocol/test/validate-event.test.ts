import { describe, expect, it } from 'vitest';
import { parseIsoTime, validateEvent } from '../src/index.js';

describe('validateEvent', () => {
  it('normalises a valid event and drops unknown top-level fields', () => {
    const v = validateEvent({ type: 'track', event: 'X', anonymousId: 42, originalTimestamp: '2026-01-02T03:04:05+02:00', junk: 1 });
    expect(v).toEqual({ ok: true, event: { type: 'track', event: 'X', anonymousId: '42', timestamp: '2026-01-02T01:04:05.000Z' } });
  });

  it('prefers the endpoint type over the body', () => {
    const v = validateEvent({ type: 'page', userId: 'u', event: 'E' }, 'track');
    expect(v.ok && v.event.type).toBe('track');
  });

  it.each([
    [{ type: 'track', event: 'X' }, 'userId', /userId. or .anonymousId/],
    [{ type: 'group', userId: 'u' }, 'groupId', /groupId/],
    [{ type: 'alias', userId: 'u' }, 'previousId', /previousId/],
    [{ type: 'alias', previousId: 'p', anonymousId: 'a' }, 'userId', /userId. is required on alias/],
    [{ type: 'track', userId: 'u', event: '' }, 'event', /required/],
    [{ type: 'track', userId: 'u', event: 'x', sentAt: '2026-13-45' }, 'sentAt', /ISO-8601/],
    [{ type: 'track', userId: 'u', event: 'x', timestamp: '+275760-09-13T00:00:00.000Z' }, 'timestamp', /ISO-8601/],
    [{ type: 'track', userId: 'u'.repeat(600), event: 'x' }, 'userId', /longer than 512/],
    [{ type: 'track', userId: 'u', event: 'x', context: [] }, 'context', /object/],
    [{ type: 'bogus', userId: 'u' }, 'type', /must be one of/],
    [null, '', /JSON object/],
  ])('refuses %j on %s', (raw, field, reason) => {
    const v = validateEvent(raw);
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.field).toBe(field);
      expect(v.reason).toMatch(reason);
    }
  });

  it('parses only four-digit-year ISO-8601 times', () => {
    expect(parseIsoTime('2026-05-01')).toBe('2026-05-01T00:00:00.000Z');
    expect(parseIsoTime('2026-05-01T10:00:00Z')).toBe('2026-05-01T10:00:00.000Z');
    expect(parseIsoTime('May 1 2026')).toBeNull();
    expect(parseIsoTime(undefined)).toBeUndefined();
  });
});

describe('parseIsoTime on canonical strings', () => {
  it('keeps valid ones as they are and refuses impossible dates', () => {
    expect(parseIsoTime('2026-02-28T23:59:59.999Z')).toBe('2026-02-28T23:59:59.999Z');
    expect(parseIsoTime('2026-02-30T00:00:00.000Z')).toBeNull();
    expect(parseIsoTime('2026-13-01T00:00:00.000Z')).toBeNull();
    expect(parseIsoTime('2026-01-01T24:00:01.000Z')).toBeNull();
  });
});
