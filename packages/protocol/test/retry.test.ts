import { retryable as siteRetryable } from '@touchline/site';
import { describe, expect, it } from 'vitest';
import { retryableStatus } from '../src/retry.js';
import { retryable as trackerRetryable } from '../../tracker/src/transport.js';

describe('the one retry rule', () => {
  it.each([0, 408, 429, 500, 502, 503, 504, 599])('retries %i', (s) => {
    expect(retryableStatus(s)).toBe(true);
  });
  it.each([200, 204, 301, 400, 401, 403, 404, 410, 413, 422, 425, 499])('does not retry %i', (s) => {
    expect(retryableStatus(s)).toBe(false);
  });
  it('is the very function the tracker and the site helper call', () => {
    expect(trackerRetryable).toBe(retryableStatus);
    expect(siteRetryable).toBe(retryableStatus);
  });
});
