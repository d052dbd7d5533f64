/**
 * @touchline/attribution: the pure attribution engine (rule-based, Markov, Shapley) and the
 * channel grouping (GA4 default channel group, custom rule sets, SQL compiler). No warehouse
 * needed, and nothing from Node: the file reader is `@touchline/attribution/node`.
 */
export { createAttribution, attribute, type Attribution, type AddOutcome, type StateSize } from './create-attribution.js';
export { MODEL_NAMES, RULE_MODELS, parseModelList, isModelName, type ModelName, type RuleModelName, type ModelSpec } from './models.js';
export {
  DEFAULT_PARAMS,
  DAY_MS,
  MissingFacts,
  EmptyPathPolicy,
  DirectPolicy,
  SUMMARIES,
  DEFAULT_DIRECT_LABELS,
  resolveParams,
  type Summary,
  type AttributionParams,
  type MarkovParams,
  type ShapleyParams,
  type PositionWeights,
  type ResolvedParams,
} from './params.js';
export type { PathInput, Milestones } from './path-input.js';
export type { PathProblem } from './prepared-path.js';
export type {
  AttributionResult,
  ModelResult,
  Credit,
  TopPath,
  Totals,
  Distribution,
  TimeToConvert,
  TouchesToConvert,
} from './result.js';
export { shapleyValues, type ShapleyOptions, type ShapleyAnswer } from './shapley/shapley-values.js';
export { seededRandom } from './shapley/seeded-random.js';
export { compareModels, type ModelComparison } from './compare-models.js';
export { splitConversionPaths, type TimelineTouch, type TimelineConversion, type SplitOptions } from './split-conversion-paths.js';
// The paths-file format's line parser is pure; reading files lives in `@touchline/attribution/node`.
export { parsePathLine, type PathLine } from './paths-file/parse-path-line.js';
export {
  RULE_FIELDS,
  MATCH_OPS,
  type RuleField,
  type MatchOp,
  type Condition,
  type FieldCondition,
  type ChannelRule,
  type IncludeRules,
  type ChannelRuleSetConfig,
  type ChannelRuleSet,
  type ChannelFields,
} from './channels/channel-rule.js';
export { GA4_DEFAULT_CHANNEL_RULES, GA4_FALLBACK_CHANNEL, GA4_RULES_VERSION, GA4_PAID_MEDIUM, GA4_SHOPPING_CAMPAIGN } from './channels/ga4-default-rules.js';
export { GA4_SOURCE_CATEGORIES, GA4_SOURCE_CATEGORIES_VERSION, SOURCE_CATEGORY, type SourceCategory } from './channels/ga4-source-categories.js';
export { GA4_CHANNEL_RULE_SET, validateChannelRules, type RuleProblem, type RuleSetValidation } from './channels/validate-channel-rules.js';
export { compileChannelRules } from './channels/compile-channel-rules.js';
export {
  deriveSourceMedium,
  CLICK_ID_PRECEDENCES,
  type ClickIdPrecedence,
  type SourceMedium,
  type DeriveOptions,
} from './channels/derive-source-medium.js';
export { SEARCH_ENGINES, searchEngineOf } from './channels/search-engines.js';
export { touchChanneler } from './channels/channel-of-touch.js';
export { channelRulesToSql, type ChannelSqlOptions } from './channels/sql/channel-rules-sql.js';
export { re2Literal, type ChannelSqlDialect } from './channels/sql/sql-dialect.js';
