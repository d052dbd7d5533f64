/**
 * Whether a send that got this HTTP status is worth trying again as it is: no answer at all
 * (status 0: a network error or a timeout), 408, 429 and server errors. Every other status is
 * final: the same body would fail again (Snowplow never retries 400/401/403/410/422 either).
 *
 * The one rule the browser tracker, the site helper and the destinations' classifier share
 * (STYLE.md, "Failures are classified once"). The classifier refines it for server-side sends
 * (425 retried; 501/505, a wrong endpoint, reported as permanent) where a few bytes do not
 * matter; the tracker carries this copy inside its 3 KB budget, so it stays this small.
 */
export const retryableStatus = (status: number): boolean => status === 0 || status === 408 || status === 429 || status > 499;
