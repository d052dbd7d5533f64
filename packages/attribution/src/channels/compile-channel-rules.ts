import type { ChannelFields, ChannelRuleSet, Condition } from './channel-rule.js';
import { GA4_CHANNEL_RULE_SET } from './validate-channel-rules.js';

type Facts = { source: string; medium: string; campaign: string };
type Test = (f: Facts) => boolean;

/**
 * Compiles a rule set into one function from source / medium / campaign to channel: regexes built
 * once, lists turned into Sets, every value lower-cased once per call.
 *
 * @example
 * ```ts
 * const channelOf = compileChannelRules(GA4_CHANNEL_RULE_SET);
 * channelOf({ source: 'google', medium: 'cpc' }); // 'Paid Search'
 * ```
 */
export function compileChannelRules(ruleSet: ChannelRuleSet = GA4_CHANNEL_RULE_SET): (fields: ChannelFields) => string {
  const categorySets = new Map<string, Set<string>>();
  const categorySet = (name: string) => {
    let s = categorySets.get(name);
    if (!s) categorySets.set(name, (s = new Set(ruleSet.sourceCategories[name] ?? [])));
    return s;
  };
  const compile = (c: Condition): Test => {
    if ('all' in c) {
      const parts = c.all.map(compile);
      return (f) => parts.every((t) => t(f));
    }
    if ('any' in c) {
      const parts = c.any.map(compile);
      return (f) => parts.some((t) => t(f));
    }
    if ('not' in c) {
      const inner = compile(c.not);
      return (f) => !inner(f);
    }
    if (c.field === 'source_category') {
      const names = c.op === 'in' ? c.value : [c.value];
      const sets = names.map(categorySet);
      return (f) => sets.some((s) => s.has(f.source));
    }
    const field = c.field;
    switch (c.op) {
      case 'in': {
        const set = new Set(c.value.map((v) => v.toLowerCase()));
        return (f) => set.has(f[field]);
      }
      case 'regex': {
        const re = new RegExp(c.value, 'i');
        return (f) => re.test(f[field]);
      }
      default: {
        const v = c.value.toLowerCase();
        if (c.op === 'exact') return (f) => f[field] === v;
        if (c.op === 'contains') return (f) => f[field].includes(v);
        if (c.op === 'starts') return (f) => f[field].startsWith(v);
        return (f) => f[field].endsWith(v);
      }
    }
  };
  const rules = ruleSet.rules.map((r) => ({ channel: r.channel, test: compile(r.when) }));
  return (fields) => {
    const facts: Facts = {
      source: (fields.source ?? '').toLowerCase(),
      medium: (fields.medium ?? '').toLowerCase(),
      campaign: (fields.campaign ?? '').toLowerCase(),
    };
    for (const r of rules) if (r.test(facts)) return r.channel;
    return ruleSet.fallback;
  };
}
