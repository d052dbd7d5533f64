import { describe, expect, it } from 'vitest';
import { classifyHttp, classifyNetworkError, parseProtoDuration, parseRetryAfter, type HttpAnswer } from '@touchline/destinations';

const NOW = Date.UTC(2026, 10, 25, 12);
const answer = (status: number, headers: Record<string, string> = {}, body?: unknown): HttpAnswer => ({
  status,
  headers: new Headers(headers),
  body,
});

describe('Retry-After', () => {
  it('reads delay-seconds and HTTP-dates, never negative', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter('Wed, 25 Nov 2026 12:00:30 GMT', NOW)).toBe(30_000);
    expect(parseRetryAfter('Wed, 25 Nov 2026 11:00:00 GMT', NOW)).toBe(0);
  });

  it('ignores what it cannot read', () => {
    for (const v of [null, undefined, '', 'soon', '-5', '1.5', '12 apples']) expect(parseRetryAfter(v, NOW)).toBeUndefined();
  });

  it('reads protobuf durations (Google retryDelay)', () => {
    expect(parseProtoDuration('30s')).toBe(30_000);
    expect(parseProtoDuration('1.5s')).toBe(1500);
    expect(parseProtoDuration({ seconds: 2, nanos: 500_000_000 })).toBe(2500);
    expect(parseProtoDuration('30')).toBeUndefined();
  });
});

describe('the generic classifier', () => {
  it('2xx is success', () => {
    expect(classifyHttp(answer(200), NOW).kind).toBe('success');
    expect(classifyHttp(answer(204), NOW).kind).toBe('success');
  });

  it('429 is rate-limited with the Retry-After wait', () => {
    expect(classifyHttp(answer(429, { 'retry-after': '7' }), NOW)).toMatchObject({ kind: 'rate_limited', retryAfterMs: 7000 });
    expect(classifyHttp(answer(429), NOW)).toMatchObject({ kind: 'rate_limited' });
    expect(classifyHttp(answer(429), NOW)).not.toHaveProperty('retryAfterMs');
  });

  it.each([408, 425, 500, 502, 503, 504, 599])('%i is retryable', (s) => {
    expect(classifyHttp(answer(s), NOW).kind).toBe('retryable');
  });

  it('503 honours Retry-After as an HTTP-date', () => {
    expect(classifyHttp(answer(503, { 'retry-after': 'Wed, 25 Nov 2026 12:01:00 GMT' }), NOW)).toMatchObject({ kind: 'retryable', retryAfterMs: 60_000 });
  });

  it.each([400, 401, 403, 404, 409, 410, 413, 422, 501, 505, 301])('%i is permanent', (s) => {
    expect(classifyHttp(answer(s), NOW).kind).toBe('permanent');
  });

  it('vendor rules run first and may defer', () => {
    const lies = () => ({ kind: 'permanent', reason: 'a 200 that is an error' }) as const;
    expect(classifyHttp(answer(200), NOW, [() => undefined, lies]).kind).toBe('permanent');
    expect(classifyHttp(answer(200), NOW, [() => undefined]).kind).toBe('success');
  });

  it('a request without an answer is retryable', () => {
    expect(classifyNetworkError(new Error('ECONNRESET'))).toMatchObject({ kind: 'retryable', code: 'NETWORK' });
  });
});
