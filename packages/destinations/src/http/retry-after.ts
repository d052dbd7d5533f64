/**
 * Parses an HTTP `Retry-After` value (RFC 9110 §10.2.3): either delay-seconds (`"120"`) or an
 * HTTP-date (`"Wed, 21 Oct 2026 07:28:00 GMT"`). Returns milliseconds to wait from `now`, never
 * negative, or `undefined` when the value is absent or unreadable (the caller then backs off on
 * its own schedule).
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value == null) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // Only date-shaped values: `Date.parse` would otherwise accept "12.5" or "soon-ish 2".
  if (!/^[A-Za-z]{3},? /.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/**
 * Parses a protobuf JSON Duration (`"30s"`, `"1.500s"`), as Google APIs put in
 * `google.rpc.RetryInfo.retryDelay` and Google Ads `quotaErrorDetails.retryDelay`
 * (activation-contracts.md §1.7). Returns milliseconds or `undefined`.
 */
export function parseProtoDuration(value: unknown): number | undefined {
  if (typeof value === 'string') {
    const m = /^(\d+(?:\.\d+)?)s$/.exec(value.trim());
    return m ? Math.round(Number(m[1]) * 1000) : undefined;
  }
  // The object form some clients decode it into: { seconds, nanos }.
  if (value && typeof value === 'object') {
    const { seconds, nanos } = value as { seconds?: unknown; nanos?: unknown };
    const s = Number(seconds ?? 0);
    const n = Number(nanos ?? 0);
    if (Number.isFinite(s) && Number.isFinite(n)) return Math.round(s * 1000 + n / 1e6);
  }
  return undefined;
}
