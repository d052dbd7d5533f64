import { checkUtmTag, type UtmParam, type UtmProblem, type UtmRules } from './utm-rules.js';

/** A tag refused by the rules: each problem, with the value that would conform. */
export class NonConformingTagError extends Error {
  override readonly name = 'NonConformingTagError';
  constructor(readonly problems: readonly UtmProblem[]) {
    super(
      `the link does not follow the campaign taxonomy:\n${problems
        .map((p) => `  ${p.param}${p.value ? ` "${p.value}"` : ''}: ${p.problem}${p.canonical && p.canonical !== p.value ? ` (use "${p.canonical}")` : ''} — ${p.fix}`)
        .join('\n')}`,
    );
  }
}

/**
 * `touchline utm build <url> --source … --medium … --campaign …`: the landing URL with its UTM
 * parameters set, or {@link NonConformingTagError} when a value is not exactly as the rules read it
 * (wrong case, an alias, not allowed, a parameter its medium requires missing). The URL's other
 * parameters and fragment are kept; UTMs it already carries are replaced.
 */
export function buildTaggedUrl(url: string, tag: Partial<Record<UtmParam, string>>, rules: UtmRules): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RangeError(`url: "${url.slice(0, 100)}" is not an absolute URL (https://…)`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new RangeError(`url: only http and https links can be tagged (got ${u.protocol})`);
  for (const p of ['utm_source', 'utm_medium', 'utm_campaign'] as const) if (!tag[p]) throw new RangeError(`--${p.slice(4)} is required`);
  const problems = checkUtmTag(rules, tag);
  if (problems.length > 0) throw new NonConformingTagError(problems);
  for (const [k, v] of Object.entries(tag)) if (v) u.searchParams.set(k, v);
  return u.toString();
}
