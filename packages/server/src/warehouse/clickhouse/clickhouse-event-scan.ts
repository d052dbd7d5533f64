/**
 * Reading a spooled event line without JSON.parse. The collector writes event lines itself
 * (src/collector/event-line.ts): `{"kind":"event"` then `,"column":value` pairs, no whitespace,
 * strings quoted as JSON.stringify quotes them. This scanner reads exactly that shape into one
 * value per column, the values JSON.parse would give, without building an object per line (the
 * object walk and its garbage were most of the loader's JavaScript). Anything else — a key it
 * does not know or sees twice, whitespace, a value it cannot read — makes it answer `false`, and
 * the loader reads that line with JSON.parse instead: the scanner may decline, never differ.
 */

export const EVENT_PREFIX = '{"kind":"event"';

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const CLOSE = 0x7d;

/** What a value could not be read as (a sentinel: no JSON value is a symbol). */
const DECLINE = Symbol('decline');

/**
 * Escapes and raw control characters anywhere in a line send it to JSON.parse. Without them a
 * string ends at the next quote (found by indexOf, not a loop over its characters) and its value
 * is its inside as written. JSON.stringify escapes only these, so this declines few real lines.
 */
const NOT_PLAIN = /[\\\u0000-\u001f]/;

/**
 * Fills `values` (one slot per column, by `index`) from an event line; `false` when the line is
 * not in the collector's shape (the caller then uses JSON.parse). Absent columns are `undefined`.
 */
export function scanEventLine(text: string, names: readonly string[], index: ReadonlyMap<string, number>, values: unknown[]): boolean {
  if (!text.startsWith(EVENT_PREFIX) || NOT_PLAIN.test(text)) return false;
  values.fill(undefined);
  const n = text.length;
  let i = EVENT_PREFIX.length;
  let next = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === CLOSE) return i === n - 1;
    if (c !== COMMA || text.charCodeAt(i + 1) !== QUOTE) return false;
    const keyEnd = text.indexOf('"', i + 2);
    if (keyEnd < 0 || text.charCodeAt(keyEnd + 1) !== COLON) return false;
    const col = columnAt(text, i + 2, keyEnd, names, next, index);
    // A key seen twice: JSON.parse keeps the last; declining is simpler than agreeing.
    if (col === undefined || values[col] !== undefined) return false;
    next = col + 1;
    const end = valueEnd(text, keyEnd + 2);
    if (end < 0) return false;
    const v = valueOf(text, keyEnd + 2, end);
    if (v === DECLINE) return false;
    values[col] = v;
    i = end;
  }
  return false;
}

/**
 * The column of the key text[from, to). The collector writes keys mostly in column order, so the
 * next few columns are tried in place (no substring, no hashing) before the index is asked.
 */
function columnAt(text: string, from: number, to: number, names: readonly string[], next: number, index: ReadonlyMap<string, number>): number | undefined {
  const length = to - from;
  for (let k = next, tries = 0; k < names.length && tries < 8; k++, tries++) {
    const name = names[k]!;
    if (name.length === length && text.startsWith(name, from)) return k;
  }
  return index.get(text.slice(from, to));
}

/** Where the JSON value starting at `i` ends (exclusive), or -1. Nesting is followed, not checked. */
function valueEnd(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === QUOTE) return stringEnd(text, i);
  if (c === 0x7b || c === 0x5b) return nestedEnd(text, i);
  let j = i;
  // true, false, null and numbers: up to the next delimiter; valueOf checks the token.
  while (j < text.length) {
    const d = text.charCodeAt(j);
    if (d === COMMA || d === CLOSE) break;
    j++;
  }
  return j > i ? j : -1;
}

/** The end of the string starting at `i` (after its closing quote), or -1; the line has no escapes. */
function stringEnd(text: string, i: number): number {
  const q = text.indexOf('"', i + 1);
  return q < 0 ? -1 : q + 1;
}

/** The end of the object or array starting at `i`, or -1. */
function nestedEnd(text: string, i: number): number {
  let depth = 0;
  for (let j = i; j < text.length; j++) {
    const d = text.charCodeAt(j);
    if (d === QUOTE) {
      j = stringEnd(text, j) - 1;
      if (j < 0) return -1;
    } else if (d === 0x7b || d === 0x5b) depth++;
    else if (d === CLOSE || d === 0x5d) {
      if (--depth === 0) return j + 1;
    }
  }
  return -1;
}

const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** The value of the token text[i, end): what JSON.parse gives for it, or DECLINE. */
function valueOf(text: string, i: number, end: number): unknown {
  const c = text.charCodeAt(i);
  if (c === QUOTE) return text.slice(i + 1, end - 1);
  const token = text.slice(i, end);
  if (token === 'true') return true;
  if (token === 'false') return false;
  if (token === 'null') return null;
  // For text that is a JSON number, Number() reads the same double JSON.parse does.
  if (c !== 0x7b && c !== 0x5b) return JSON_NUMBER.test(token) ? Number(token) : DECLINE;
  try {
    return JSON.parse(token) as unknown;
  } catch {
    return DECLINE;
  }
}
