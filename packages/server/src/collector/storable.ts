// The warehouses store text as UTF-8: a lone UTF-16 surrogate (which JSON.parse happily creates
// from "\ud800") has no UTF-8 form, and DuckDB refuses a whole row that carries one, at any depth.
//
// JSON.stringify writes a lone surrogate as a `\udXXX` escape (paired ones stay raw characters),
// so in its output every such escape that is not itself escaped is a lone surrogate: one scan of
// the spool line finds them all, top-level or nested, and replaces them with U+FFFD.
const LONE_ESCAPE = /(?<!\\)((?:\\\\)*)\\ud[89a-f][0-9a-f]{2}/gi;

/** JSON text (from JSON.stringify) with lone-surrogate escapes replaced by `\ufffd`. */
export function storableJson(json: string): string {
  if (!json.includes('\\ud') && !json.includes('\\uD')) return json;
  return json.replace(LONE_ESCAPE, '$1\\ufffd');
}
