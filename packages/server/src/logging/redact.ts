/**
 * What a log line at `log.level = info` may not carry, and how it is removed. Most personal data
 * reaches logs through error messages that quote it: DuckDB quotes the value it could not convert
 * and the SQL line around it, ClickHouse the rest of the row it could not parse (`before: …`),
 * vendors echo the e-mail they refused. The rules below were written against those engines' real
 * messages (test/logging/redact.test.ts).
 */

const MAX_TEXT = 2000;

/** Words after which a quoted word names a table, column, setting… (kept: operators need them). */
const NAMES_AN_IDENTIFIER = /(?:table|column|columns|name|schema|database|function|extension|setting|type|view|catalog|index|identifier|field|option|sync|source|destination|rule|model|engine|file)s?(?:\s+with\s+name)?[:\s]+$/i;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_.$-]{0,63}$/;

const RULES: readonly [RegExp, string | ((...m: string[]) => string)][] = [
  // DuckDB: the SQL line under the message (it holds every literal of the statement).
  [/\bLINE (\d+):[^\n]*/g, 'LINE $1: [SQL omitted]'],
  // DuckDB JSON errors append the input; ClickHouse parse errors append the rest of the row.
  [/\bInput: [^\n]*/g, 'Input: [omitted]'],
  [/\bbefore: [\s\S]*?(?=: \(while |: \(at row|\n|$)/g, 'before: [row omitted]'],
  // ClickHouse syntax errors quote the query from the failing position.
  [/(failed at position \d+)[\s\S]*?(?=\. Expected|\n|$)/g, '$1 [SQL omitted]'],
  // Credentials in headers or URLs.
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [secret]'],
  // A personal token anywhere (pasted into SQL, a name…): its public id stays, its secret goes.
  [/\b(tl_pat_[0-9a-f]{16}_)[A-Za-z0-9_-]+/g, '$1[secret]'],
  [/([?&](?:writeKey|write_key|token|access_token|key|api_key|password)=)[^&\s'"]*/gi, '$1[secret]'],
  // Query strings carry campaign parameters and, too often, e-mail addresses.
  [/(\bhttps?:\/\/[^\s?#'"]+)\?[^\s'"#]*/gi, '$1?[query omitted]'],
];

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
const IPV4 = /(?<![\d.])(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}(?![\d.])/g;
// A run of hex groups and colons; counted as IPv6 only with `::` or eight groups (not a clock time).
const IPV6_CANDIDATE = /(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?:%\w+)?(?![\w:])/g;
// An opening single quote follows no letter: "can't … collector's" is prose, not a literal.
// (Backticks quote identifiers, in ClickHouse's messages and commands in ours: kept.)
const QUOTED = /(?<![A-Za-z0-9])'(?:[^'\\\n]|\\.|'')*'|"(?:[^"\\\n]|\\.)*"/g;

function quoted(text: string): string {
  return text.replace(QUOTED, (q, offset: number) => {
    const inner = q.slice(1, -1);
    const before = text.slice(Math.max(0, offset - 40), offset);
    if (IDENTIFIER.test(inner) && NAMES_AN_IDENTIFIER.test(before)) return q;
    return `${q[0]}[redacted]${q[q.length - 1]}`;
  });
}

const secretsOut = (text: string, secrets: readonly string[]) => secrets.reduce((t, s) => (s.length >= 8 ? t.split(s).join('[secret]') : t), text);
const addressesOut = (text: string) =>
  text
    .replace(EMAIL, '[email]')
    .replace(IPV4, '[ip]')
    .replace(IPV6_CANDIDATE, (m) => (m.includes('::') || m.split(':').length === 8 ? '[ip]' : m));

/** One value (an error message, a URL…) made fit for an `info` line. `secrets`: exact values replaced wherever they occur. */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let t = secretsOut(text, secrets);
  for (const [re, to] of RULES) t = t.replace(re, to as string);
  t = addressesOut(quoted(t));
  return t.length > MAX_TEXT ? `${t.slice(0, MAX_TEXT)}… [${t.length - MAX_TEXT} characters cut]` : t;
}

/**
 * A line's message: written by Touchline, not quoted from elsewhere, so its quotes are kept; only
 * secrets and addresses that a caller may have put in it are removed.
 */
export function redactMessage(text: string, secrets: readonly string[] = []): string {
  return addressesOut(secretsOut(text, secrets));
}

/** Field names whose values are request or row contents: never logged at `info`. */
const CONTENT_FIELDS = new Set(['body', 'raw', 'row', 'rows', 'payload', 'event', 'events', 'traits', 'properties', 'context', 'sql', 'params', 'headers', 'cookie']);

function redactValue(key: string, v: unknown, secrets: readonly string[], depth: number): unknown {
  // A count (`rows: 3`, `events: 120`) is no content; anything else under these names is.
  if (CONTENT_FIELDS.has(key.toLowerCase()) && v !== null && v !== undefined && typeof v !== 'number') return '[omitted at log.level info]';
  if (typeof v === 'string') return redactText(key === 'url' || key === 'path' ? v.replace(/\?.*$/s, '?[query omitted]') : v, secrets);
  if (v instanceof Error) return redactText(v.stack ?? v.message, secrets);
  if (depth > 4 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => redactValue('', x, secrets, depth + 1));
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redactValue(k, x, secrets, depth + 1)]));
}

/** Every field of a log line, redacted (strings), omitted (contents) or kept (numbers, flags). */
export function redactFields(fields: Readonly<Record<string, unknown>>, secrets: readonly string[] = []): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, redactValue(k, v, secrets, 0)]));
}
