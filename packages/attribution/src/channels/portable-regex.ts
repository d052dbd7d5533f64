/**
 * Channel-rule patterns run in three engines: JavaScript here, RE2 in DuckDB (`regexp_matches`)
 * and in ClickHouse (`match`). This refuses the constructs the two dialects read differently or
 * RE2 lacks, so one pattern means the same thing everywhere. Returns the reason, or undefined.
 */
const NOT_PORTABLE: readonly [RegExp, string][] = [
  [/\(\?<?[=!]/, 'lookaround ((?=, (?!, (?<=, (?<!) is not supported by RE2 (DuckDB, ClickHouse)'],
  [/\(\?<[A-Za-z]/, 'named groups are written differently in RE2; use a plain group (…)'],
  [/\\[1-9]|\\k</, 'back-references are not supported by RE2'],
  [/\\[pP]/, 'Unicode classes (\\p{…}) differ between JavaScript and RE2'],
  [/\(\?[a-zA-Z]/, 'inline flags are not needed: matching is already case-insensitive'],
  [/\\[cu]|\\x\{/, 'escape forms \\c, \\u and \\x{…} differ between JavaScript and RE2; write the character itself'],
];

export function regexProblem(pattern: string): string | undefined {
  for (const [construct, why] of NOT_PORTABLE) if (construct.test(pattern)) return why;
  try {
    new RegExp(pattern, 'i');
  } catch (e) {
    return `not a valid regular expression: ${(e as Error).message}`;
  }
  return undefined;
}
