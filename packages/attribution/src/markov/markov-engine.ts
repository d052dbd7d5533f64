import { createCreditTable } from '../credit-table.js';
import type { Interner } from '../interner.js';
import { creditsRecord, type ModelEngine } from '../model-engine.js';
import { EmptyPathPolicy, type ResolvedParams } from '../params.js';
import type { Credit } from '../result.js';
import { buildChain } from './absorbing-chain.js';
import { CONVERSION, createMarkovCounts, NULL, START, type MarkovCounts } from './markov-counts.js';
import { removalEffects } from './removal-effects.js';

/**
 * Markov removal-effect attribution (Anderl et al. 2016), computed exactly from the absorbing chain.
 *
 * RE_c = 1 − P(conv | c removed) / P(conv), "removed" redirecting every state that contains c to
 * (null). conversions_c = RE_c / Σ_j RE_j × conversions distributed; value_c likewise, with the
 * value removal effect computed from value-weighted absorption (each state's P(→ conversion)
 * weighted by the mean value of the conversions whose last state it was: the exact equivalent of
 * ChannelAttribution's sampling of values by last state, research doc §2.2).
 */
export function createMarkovEngine(name: string, order: number, params: ResolvedParams, emptyPathId: number): ModelEngine {
  const counts = createMarkovCounts(order);
  const direct = createCreditTable(1);
  // [conversions, value] fed to the chain; a typed array so the per-path update does not allocate.
  const fed = new Float64Array(2);
  const redistribute = params.markov.emptyPaths === EmptyPathPolicy.Redistribute;
  return {
    add(p) {
      if (p.n === 0 && !redistribute) {
        if (p.conversions > 0 || p.value > 0) direct.add(0, p.conversions, p.value);
        return;
      }
      counts.add(p.ids, p.n, p.conversions, p.value, p.nulls);
      fed[0] = (fed[0] as number) + p.conversions;
      fed[1] = (fed[1] as number) + p.value;
    },
    result(interner: Interner) {
      const chain = buildChain(counts);
      const t = params.markov.truncation;
      const maxSteps = t === 'none' ? Infinity : t === 'channelattribution' ? counts.maxPathStates + 1 : t;
      const { base, effects } = removalEffects(chain, counts, maxSteps);
      let sumConv = 0;
      let sumValue = 0;
      for (const re of effects.values()) {
        sumConv += re.conversions;
        sumValue += re.value;
      }
      const chainConversions = fed[0] as number;
      const chainValue = fed[1] as number;
      const credits = createCreditTable();
      for (const [id, re] of effects) {
        credits.add(id, sumConv > 0 ? (re.conversions / sumConv) * chainConversions : 0, sumValue > 0 ? (re.value / sumValue) * chainValue : 0);
      }
      if (direct.length > 0) credits.add(emptyPathId, direct.conversions(0), direct.value(0));
      const removal: Record<string, Credit> = {};
      for (const [id, re] of effects) removal[interner.value(id)] = re;
      return {
        model: name,
        credits: creditsRecord(credits, interner, (id) => effects.has(id) || (id === emptyPathId && direct.length > 0)),
        order,
        p_conversion: { conversions: base.conversion, value: base.value },
        removal_effects: removal,
        ...(Number.isFinite(maxSteps) ? { max_step: maxSteps } : {}),
        ...(params.markov.transitions ? { transitions: transitionTable(counts, interner) } : {}),
      };
    },
    stateSize: () => counts.stateCount + counts.transitionCount,
  };
}

function transitionTable(counts: MarkovCounts, interner: Interner): Record<string, Record<string, number>> {
  const label = (s: number) =>
    s === START ? '(start)' : s === CONVERSION ? '(conversion)' : s === NULL ? '(null)' : counts.channelsOf(s).map((id) => interner.value(id)).join(' > ');
  const out = new Map<number, number>();
  counts.forEachTransition((from, _to, w) => out.set(from, (out.get(from) ?? 0) + w));
  const table: Record<string, Record<string, number>> = {};
  counts.forEachTransition((from, to, w) => {
    const row = (table[label(from)] ??= {});
    row[label(to)] = w / (out.get(from) as number);
  });
  return table;
}
