import { z } from 'zod';

/**
 * Campaign taxonomy (docs/tracking-plans.md, "Campaign taxonomy"): rules for UTM values, applied
 * on read — the raw values stay in the events, the sessions and touches show them normalised, and
 * the channel grouping reads the normalised ones — and by the link builder before a URL is issued.
 */
export const UTM_PARAMS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'] as const;
export type UtmParam = (typeof UTM_PARAMS)[number];

const Param = z.enum(UTM_PARAMS);

export const UtmRulesSchema = z
  .object({
    /** Lower-case every value. @defaultValue true */
    lowerCase: z.boolean().default(true),
    /** Runs of spaces, `-` and `_` become this one character (`Paid Social`, `paid-social` → `paid_social`); null keeps them. @defaultValue `_` */
    separator: z.enum(['_', '-']).nullable().default('_'),
    /** Per parameter, canonical value → the spellings that mean it (`utm_source: { facebook: [fb, facebook.com] }`). @defaultValue {} */
    aliases: z.partialRecord(Param, z.record(z.string().min(1), z.array(z.string().min(1)))).default({}),
    /** Per parameter, the only values allowed (after normalisation and aliases); absent: any. @defaultValue {} */
    allowed: z.partialRecord(Param, z.array(z.string().min(1))).default({}),
    /** Per medium (normalised), the parameters a link with that medium must carry (`cpc: [utm_campaign]`). @defaultValue {} */
    requiredByMedium: z.record(z.string().min(1), z.array(Param)).default({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    try {
      compileUtmRules(c);
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['aliases'], message: (err as Error).message });
    }
  });

export type UtmRulesConfig = z.infer<typeof UtmRulesSchema>;

/** The rules, compiled: each alias normalised once, so reading a value is a normalisation and a map lookup. */
export interface UtmRules {
  readonly config: UtmRulesConfig;
  /** Per parameter: normalised alias → canonical value. */
  readonly aliasOf: ReadonlyMap<UtmParam, ReadonlyMap<string, string>>;
}

// ASCII whitespace only, as the warehouses' trim and RE2's \s: the same answer in TypeScript and SQL.
const EDGE_WS = /^[\t\n\f\r ]+|[\t\n\f\r ]+$/g;
export const SEPARATOR_RUN = '[\\t\\n\\f\\r _-]+';
const SEPARATOR_RE = new RegExp(SEPARATOR_RUN, 'g');

/** Trimmed, lower-cased, separators unified, as configured. */
export function normaliseUtm(config: UtmRulesConfig, raw: string): string {
  let v = raw.replace(EDGE_WS, '');
  if (config.lowerCase) v = v.toLowerCase();
  if (config.separator !== null) v = v.replace(SEPARATOR_RE, config.separator);
  return v;
}

export function compileUtmRules(config: UtmRulesConfig): UtmRules {
  const aliasOf = new Map<UtmParam, Map<string, string>>();
  for (const [param, table] of Object.entries(config.aliases) as [UtmParam, Record<string, string[]>][]) {
    const m = new Map<string, string>();
    for (const [canonical, spellings] of Object.entries(table)) {
      for (const s of spellings) {
        const n = normaliseUtm(config, s);
        const other = m.get(n);
        if (other !== undefined && other !== canonical) throw new Error(`${param}: "${s}" is an alias of both "${other}" and "${canonical}"`);
        m.set(n, canonical);
      }
    }
    aliasOf.set(param, m);
  }
  return { config, aliasOf };
}

/** The value as the rules read it: normalised, then its alias's canonical value. */
export function canonicalUtm(rules: UtmRules, param: UtmParam, raw: string): string {
  const n = normaliseUtm(rules.config, raw);
  return rules.aliasOf.get(param)?.get(n) ?? n;
}

/** What is wrong with one value, and the rule that fixes it (null: nothing fixes it yet). */
export interface UtmProblem {
  readonly param: UtmParam;
  readonly value: string;
  /** The value the rules read it as. */
  readonly canonical: string;
  readonly problem: 'not_normalised' | 'alias' | 'not_allowed' | 'missing';
  /** The rule that already fixes it on read, or what to add. */
  readonly fix: string;
}

/** Problems of one value: spelt otherwise than its canonical form, or not among the allowed values. */
export function checkUtmValue(rules: UtmRules, param: UtmParam, value: string): UtmProblem[] {
  const n = normaliseUtm(rules.config, value);
  const canonical = rules.aliasOf.get(param)?.get(n) ?? n;
  const out: UtmProblem[] = [];
  if (canonical !== n) out.push({ param, value, canonical, problem: 'alias', fix: `alias: ${param} "${value}" → "${canonical}"` });
  else if (n !== value) out.push({ param, value, canonical, problem: 'not_normalised', fix: `normalisation: "${value}" → "${n}"` });
  const allowed = rules.config.allowed[param];
  if (allowed && !allowed.includes(canonical)) {
    out.push({ param, value, canonical, problem: 'not_allowed', fix: `none yet: add "${canonical}" to attribution.utm.allowed.${param}, or make it an alias of one of ${JSON.stringify(allowed.slice(0, 10))}` });
  }
  return out;
}

/** Problems of a whole tag: each value, and the parameters its medium requires. */
export function checkUtmTag(rules: UtmRules, tag: Partial<Record<UtmParam, string>>): UtmProblem[] {
  const out: UtmProblem[] = [];
  for (const p of UTM_PARAMS) {
    const v = tag[p];
    if (v !== undefined && v !== '') out.push(...checkUtmValue(rules, p, v));
  }
  const medium = tag.utm_medium === undefined ? undefined : canonicalUtm(rules, 'utm_medium', tag.utm_medium);
  for (const p of medium === undefined ? [] : (rules.config.requiredByMedium[medium] ?? [])) {
    if (!tag[p]) out.push({ param: p, value: '', canonical: '', problem: 'missing', fix: `medium "${medium}" requires ${p} (attribution.utm.requiredByMedium)` });
  }
  return out;
}
