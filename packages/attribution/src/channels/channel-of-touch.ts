import type { Touch } from '@touchline/protocol';
import type { ChannelRuleSet } from './channel-rule.js';
import { compileChannelRules } from './compile-channel-rules.js';
import { deriveSourceMedium, type DeriveOptions } from './derive-source-medium.js';
import { GA4_CHANNEL_RULE_SET } from './validate-channel-rules.js';

/**
 * A labeller for raw touches: derive source / medium / campaign, then apply the rule set.
 *
 * @example
 * ```ts
 * const channelOf = touchChanneler();
 * channelOf({ click_id_type: 'gclid', click_id: 'abc' }); // 'Paid Search'
 * channelOf({ referrer: 'https://l.facebook.com/' });     // 'Organic Social'
 * ```
 */
export function touchChanneler(ruleSet: ChannelRuleSet = GA4_CHANNEL_RULE_SET, opts: DeriveOptions = {}): (touch: Touch) => string {
  const rules = compileChannelRules(ruleSet);
  return (touch) => rules(deriveSourceMedium(touch, opts));
}
