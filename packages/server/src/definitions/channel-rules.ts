import { validateChannelRules, type ChannelRuleSet, type ChannelRuleSetConfig } from '@touchline/attribution';

/** `{"include": "ga4"}` alone: Google's default channel group. */
export const GA4_ONLY: ChannelRuleSetConfig = { rules: [{ include: 'ga4' }] };

/** The configured channel rules, validated (the schema has already refused invalid ones). */
export function channelRuleSet(config: { readonly channels: unknown }): ChannelRuleSet {
  const r = validateChannelRules(config.channels);
  if (!r.ok) throw new Error(`attribution.channels: ${r.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  return r.ruleSet;
}
