import { MATCH_OPS, RULE_FIELDS, type ChannelRule, type ChannelRuleSet, type Condition } from './channel-rule.js';
import { GA4_DEFAULT_CHANNEL_RULES, GA4_FALLBACK_CHANNEL } from './ga4-default-rules.js';
import { GA4_SOURCE_CATEGORIES } from './ga4-source-categories.js';
import { regexProblem } from './portable-regex.js';

/** Where a rule set is wrong (`rules[3].when.any[1].op`) and what to do. */
export interface RuleProblem {
  readonly path: string;
  readonly message: string;
}

export type RuleSetValidation = { readonly ok: true; readonly ruleSet: ChannelRuleSet } | { readonly ok: false; readonly problems: RuleProblem[] };

const lower = (xs: readonly string[]) => xs.map((x) => x.toLowerCase());

/** The GA4 default rule set, resolved: Google's rules, Google's source lists, fallback "Unassigned". */
export const GA4_CHANNEL_RULE_SET: ChannelRuleSet = {
  rules: GA4_DEFAULT_CHANNEL_RULES,
  sourceCategories: Object.fromEntries(Object.entries(GA4_SOURCE_CATEGORIES).map(([k, v]) => [k, lower(v)])),
  fallback: GA4_FALLBACK_CHANNEL,
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks a rule set read from config (untrusted JSON) and resolves it: `{"include": "ga4"}`
 * expands to the GA4 rules, custom source categories merge with Google's. Every problem is
 * reported with its path, so a user can fix them all in one go.
 */
export function validateChannelRules(config: unknown): RuleSetValidation {
  const problems: RuleProblem[] = [];
  const bad = (path: string, message: string) => problems.push({ path, message });
  if (!isObject(config)) return { ok: false, problems: [{ path: '', message: 'a channel rule set must be an object with a "rules" array' }] };
  for (const key of Object.keys(config)) {
    if (!['rules', 'sourceCategories', 'fallback'].includes(key)) bad(key, `unknown key "${key}"; use rules, sourceCategories, fallback`);
  }
  const categories: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(GA4_CHANNEL_RULE_SET.sourceCategories)) categories[k] = [...v];
  const custom = config['sourceCategories'];
  if (custom !== undefined) {
    if (!isObject(custom)) bad('sourceCategories', 'must map a category name to a list of sources');
    else {
      for (const [name, list] of Object.entries(custom)) {
        if (!Array.isArray(list) || !list.every((s) => typeof s === 'string' && !s.includes('\0'))) {
          bad(`sourceCategories.${name}`, 'must be a list of source strings');
          continue;
        }
        categories[name] = [...new Set([...(categories[name] ?? []), ...lower(list as string[])])];
      }
    }
  }
  const fallback = config['fallback'] ?? GA4_FALLBACK_CHANNEL;
  if (typeof fallback !== 'string' || fallback === '' || fallback.includes('\0')) bad('fallback', 'must be a non-empty channel name');
  const rules: ChannelRule[] = [];
  const list = config['rules'];
  if (!Array.isArray(list)) bad('rules', 'is required: an ordered list of {channel, when} rules (and {"include": "ga4"})');
  else {
    list.forEach((rule, i) => {
      const at = `rules[${i}]`;
      if (isObject(rule) && 'include' in rule) {
        if (rule['include'] !== 'ga4' || Object.keys(rule).length !== 1) bad(at, '{"include": "ga4"} is the only include (it inlines the GA4 default rules here)');
        else rules.push(...GA4_DEFAULT_CHANNEL_RULES);
        return;
      }
      if (!isObject(rule)) return bad(at, 'a rule must be an object {channel, when}');
      for (const key of Object.keys(rule)) if (key !== 'channel' && key !== 'when') bad(`${at}.${key}`, `unknown key "${key}"; a rule has channel and when`);
      const channel = rule['channel'];
      if (typeof channel !== 'string' || channel === '' || channel.includes('\0')) bad(`${at}.channel`, 'must be a non-empty channel name');
      const before = problems.length;
      checkCondition(rule['when'], `${at}.when`, categories, bad);
      if (problems.length === before && typeof channel === 'string') rules.push({ channel, when: rule['when'] as Condition });
    });
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, ruleSet: { rules, sourceCategories: categories, fallback: fallback as string } };
}

function checkCondition(c: unknown, at: string, categories: Record<string, string[]>, bad: (path: string, message: string) => void): void {
  if (!isObject(c)) return bad(at, 'a condition must be an object: {field, op, value}, {all: [...]}, {any: [...]} or {not: ...}');
  const keys = Object.keys(c);
  for (const group of ['all', 'any'] as const) {
    if (!(group in c)) continue;
    const items = c[group];
    if (keys.length !== 1) return bad(at, `{${group}: [...]} takes no other keys`);
    if (!Array.isArray(items) || items.length === 0) return bad(`${at}.${group}`, 'must be a non-empty list of conditions');
    items.forEach((item, i) => checkCondition(item, `${at}.${group}[${i}]`, categories, bad));
    return;
  }
  if ('not' in c) {
    if (keys.length !== 1) return bad(at, '{not: ...} takes no other keys');
    return checkCondition(c['not'], `${at}.not`, categories, bad);
  }
  for (const key of keys) if (!['field', 'op', 'value'].includes(key)) return bad(`${at}.${key}`, `unknown key "${key}"; a field test has field, op, value`);
  const { field, op, value } = c;
  if (!(RULE_FIELDS as readonly unknown[]).includes(field)) return bad(`${at}.field`, `must be one of ${RULE_FIELDS.join(', ')} (got ${JSON.stringify(field)})`);
  if (!(MATCH_OPS as readonly unknown[]).includes(op)) return bad(`${at}.op`, `must be one of ${MATCH_OPS.join(', ')} (got ${JSON.stringify(op)})`);
  const values = op === 'in' ? value : [value];
  if (op === 'in' && !Array.isArray(value)) return bad(`${at}.value`, '"in" takes a list of strings');
  if (op !== 'in' && typeof value !== 'string') return bad(`${at}.value`, `"${String(op)}" takes one string`);
  if (!(values as unknown[]).every((v) => typeof v === 'string' && !v.includes('\0'))) return bad(`${at}.value`, 'values must be strings (without NUL characters)');
  if (field === 'source_category') {
    if (op !== 'exact' && op !== 'in') return bad(`${at}.op`, 'source_category takes "exact" or "in" (a category name, or several)');
    for (const name of values as string[]) {
      if (!categories[name]) return bad(`${at}.value`, `unknown source category "${name}"; use ${Object.keys(categories).join(', ')} or define it under sourceCategories`);
    }
  }
  if (op === 'regex') {
    const why = regexProblem(value as string);
    if (why) return bad(`${at}.value`, why);
  }
}
