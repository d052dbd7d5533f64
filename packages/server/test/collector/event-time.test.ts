/**
 * Touch stamping reads a request's clock once and compares validated canonical times as text
 * (validatedEventTimes); it must give the time `eventTime` gives, for events with and without a
 * timestamp, in the past and the future, with the event's or the batch's `sentAt`, and when the
 * receipt time is not canonical.
 */
import { validateEvent } from '@touchline/protocol';
import { describe, expect, it } from 'vitest';
import { eventTime, validatedEventTimes } from '../../src/tracker-endpoint/visitor-stamps.js';
import { facts } from '../support/rows.js';

const TIMES = [undefined, '2026-03-01T11:00:00.000Z', '2026-03-01T12:00:00.000Z', '2026-03-01T12:00:00.001Z', '2027-01-01T00:00:00.000Z', '0999-12-31T23:59:59.999Z', '2026-03-01T13:00:00+01:00', '2026-03-01'];
const RECEIVED = ['2026-03-01T12:00:00.000Z', '2026-03-01T12:00:00Z', '2026-03-01T13:00:00.000+01:00'];

describe('validated event times', () => {
  it('are the times eventTime gives, for every mix of timestamp, sentAt and receipt', () => {
    let fastCases = 0;
    for (const receivedAt of RECEIVED) {
      for (const batchSentAt of [undefined, '2026-03-01T11:59:00.000Z']) {
        const req = facts({ receivedAt, sentAt: batchSentAt });
        const timeOf = validatedEventTimes(req);
        for (const timestamp of TIMES) {
          for (const sentAt of [undefined, '2026-03-01T11:59:30.000Z']) {
            const v = validateEvent({ type: 'track', anonymousId: 'a', event: 'E', timestamp, sentAt });
            if (!v.ok) throw new Error(v.reason);
            expect(timeOf(v.event), `${receivedAt} ${batchSentAt} ${timestamp} ${sentAt}`).toBe(eventTime(v.event, req));
            if (receivedAt === RECEIVED[0] && !batchSentAt && !sentAt) fastCases++;
          }
        }
      }
    }
    expect(fastCases).toBe(TIMES.length);
  });

  it('never lie in the future of the receipt', () => {
    const req = facts({ receivedAt: '2026-03-01T12:00:00.000Z' });
    const v = validateEvent({ type: 'track', anonymousId: 'a', event: 'E', timestamp: '2026-03-01T12:00:00.001Z' });
    expect(v.ok && validatedEventTimes(req)(v.event)).toBe('2026-03-01T12:00:00.000Z');
  });
});
