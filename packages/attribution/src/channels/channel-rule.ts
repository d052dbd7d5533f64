/**
 * The channel rule format: JSON-serialisable, ordered, first match wins. Users keep theirs in
 * config, reorder it and extend it; the GA4 default set is written in the same format
 * ({@link GA4_DEFAULT_CHANNEL_RULES}), and the same rules compile to TypeScript matchers and to SQL
 * `CASE` expressions, so the warehouse labels history exactly as the engine does.
 *
 * Every comparison is case-insensitive, as in GA4: values and patterns are compared with the
 * field lower-cased (a missing field is the empty string).
 */

/** Fields a condition can test. `source_category` tests the source against a named source list. */
export const RULE_FIELDS = ['source', 'medium', 'campaign', 'source_category'] as const;
export type RuleField = (typeof RULE_FIELDS)[number];

/**
 * `exact` equals, `in` equals one of, `regex` matches somewhere (anchor with ^…$ for a full match;
 * RE2-compatible syntax only, so the same pattern runs in DuckDB and ClickHouse), `contains`,
 * `starts` and `ends` compare substrings.
 */
export const MATCH_OPS = ['exact', 'in', 'regex', 'contains', 'starts', 'ends'] as const;
export type MatchOp = (typeof MATCH_OPS)[number];

/** One test on one field. `value` is a list for `in`, a string otherwise. */
export type FieldCondition =
  | { readonly field: RuleField; readonly op: 'in'; readonly value: readonly string[] }
  | { readonly field: RuleField; readonly op: Exclude<MatchOp, 'in'>; readonly value: string };

/** A condition: a field test, or all / any / not of conditions. */
export type Condition =
  | FieldCondition
  | { readonly all: readonly Condition[] }
  | { readonly any: readonly Condition[] }
  | { readonly not: Condition };

/**
 * One rule: when `when` holds, the touch belongs to `channel`.
 *
 * @example
 * ```json
 * { "channel": "Partners", "when": { "all": [
 *   { "field": "medium", "op": "exact", "value": "referral" },
 *   { "field": "source", "op": "in", "value": ["partner-a.com", "partner-b.com"] } ] } }
 * ```
 */
export interface ChannelRule {
  readonly channel: string;
  readonly when: Condition;
}

/** Inlines the whole GA4 default rule list at this position. */
export interface IncludeRules {
  readonly include: 'ga4';
}

/**
 * A rule set as users write it in config.
 *
 * @example
 * ```json
 * { "rules": [ { "channel": "Partners", "when": { "field": "source_category", "op": "exact", "value": "PARTNERS" } },
 *              { "include": "ga4" } ],
 *   "sourceCategories": { "PARTNERS": ["partner-a.com"] },
 *   "fallback": "Unassigned" }
 * ```
 */
export interface ChannelRuleSetConfig {
  /** Ordered; the first rule that matches names the channel. */
  readonly rules: readonly (ChannelRule | IncludeRules)[];
  /** Extra source lists by category name; a GA4 category name adds to Google's list. */
  readonly sourceCategories?: Readonly<Record<string, readonly string[]>>;
  /** The channel when nothing matches. @defaultValue 'Unassigned' */
  readonly fallback?: string;
}

/** A validated rule set: includes expanded, source categories merged (lower-cased). */
export interface ChannelRuleSet {
  readonly rules: readonly ChannelRule[];
  readonly sourceCategories: Readonly<Record<string, readonly string[]>>;
  readonly fallback: string;
}

/** The facts the channel rules read. */
export interface ChannelFields {
  readonly source?: string | null | undefined;
  readonly medium?: string | null | undefined;
  readonly campaign?: string | null | undefined;
}
