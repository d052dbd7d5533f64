// The warehouses store text as UTF-8: a lone UTF-16 surrogate (which JSON.parse happily creates
// from "\ud800") has no UTF-8 form and makes DuckDB refuse the whole row, and NUL is not
// storable in every engine. Such characters are replaced (U+FFFD) or dropped, never refused.

const UNSTORABLE = /[\u0000\ud800-\udfff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A string safe to store as warehouse text. */
export function storableText(s: string): string {
  if (!UNSTORABLE.test(s)) return s;
  return s.replace(/\u0000/g, '').replace(LONE_SURROGATE, '\ufffd');
}

// JSON.stringify writes a lone surrogate as a `\udXXX` escape (paired ones stay raw characters),
// so in its output every such escape that is not itself escaped is a lone surrogate.
const LONE_ESCAPE = /(?<!\\)((?:\\\\)*)\\ud[89a-f][0-9a-f]{2}/gi;

/** JSON text (from JSON.stringify) with lone-surrogate escapes replaced by `\ufffd`. */
export function storableJson(json: string): string {
  if (!json.includes('\\ud') && !json.includes('\\uD')) return json;
  return json.replace(LONE_ESCAPE, '$1\\ufffd');
}
