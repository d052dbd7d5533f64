/**
 * Meta's click cookie, `_fbc` = `fb.<subdomainIndex>.<creationTime ms>.<fbclid>` with an optional
 * fifth "appendix" segment that must round-trip unchanged (browser-realities.md §7.6;
 * developers.facebook.com/docs/marketing-api/conversions-api/parameters/fbp-and-fbc/).
 */
export const FBC_PATTERN = /^fb\.\d+\.\d{13}\.[^.\s]+(\.[^.\s]+)?$/;
export const FBP_PATTERN = /^fb\.\d+\.\d{13}\.\d+(\.[^.\s]+)?$/;

/** The `_fbc` cookie lives 90 days; an older click no longer attributes. */
export const FBC_MAX_AGE_MS = 90 * 86_400_000;

/**
 * Builds `fbc` from an fbclid and the time it was first seen. The fbclid is case-sensitive and is
 * kept byte for byte. `subdomainIndex` is 1 for a value built server-side on the registrable
 * domain (`example.com` -> 1), which is what Touchline's collector does.
 */
export function buildFbc(fbclid: string, clickTimeMs: number, subdomainIndex = 1): string {
  return `fb.${subdomainIndex}.${Math.trunc(clickTimeMs)}.${fbclid}`;
}

/** The creation time (ms) inside an fbc value, or `undefined` when it is malformed. */
export function fbcCreationTime(fbc: string): number | undefined {
  if (!FBC_PATTERN.test(fbc)) return undefined;
  return Number(fbc.split('.')[2]);
}
