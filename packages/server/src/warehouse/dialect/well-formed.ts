const LONE = '[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]';
const HAS_LONE = new RegExp(LONE);
const ALL_LONE = new RegExp(LONE, 'g');

/**
 * The text as UTF-8 can hold it: a lone UTF-16 surrogate (JSON.parse makes one from "\ud800")
 * has no UTF-8 form and becomes U+FFFD, exactly what encoding the string to UTF-8 does. Both
 * warehouses store UTF-8, so this is what any string reads back as.
 */
export function wellFormed(s: string): string {
  return HAS_LONE.test(s) ? s.replace(ALL_LONE, '\ufffd') : s;
}
