/**
 * What `channelRulesToSql` needs of a SQL engine: how to spell a string value and the few string
 * tests channel rules use. The compiler owns the rule logic; the dialect owns quoting and function
 * names, so the one quoting function of an engine (or its bound parameters) is the only place a
 * rule's text enters SQL. Touchline's warehouse dialects (DuckDB, ClickHouse 18.16 and later)
 * satisfy this interface; any other engine can, in a few lines.
 */
export interface ChannelSqlDialect {
  /**
   * SQL standing for a string value from the rules (a channel name, a source, a pattern): a
   * literal quoted for the engine, or the placeholder of a bound parameter.
   */
  string(value: string): string;
  /** The field as rules compare it: lower-cased (Unicode, like `toLowerCase`), NULL read as ''. */
  ruleField(expr: string): string;
  /** RE2 partial match of `expr` against `pattern` (a complete RE2 pattern, as text). */
  regex(expr: string, pattern: string): string;
  /** `expr` contains / starts with / ends with the text (matched literally, not as a pattern). */
  hasSubstring(expr: string, text: string): string;
  hasPrefix(expr: string, text: string): string;
  hasSuffix(expr: string, text: string): string;
  /** A condition that never holds (an empty `in` list). */
  readonly false: string;
}

/** Escapes RE2 metacharacters so a literal string matches itself. */
export function re2Literal(s: string): string {
  return s.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}
