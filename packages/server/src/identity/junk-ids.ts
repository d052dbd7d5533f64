import type { JunkIdMatch } from '../warehouse/dialect/dialect.js';

/**
 * Ids that identify nobody: what broken integrations send when a variable was unset
 * (`"undefined"`, `"null"`, `"[object Object]"`, `0`) or a placeholder (`"anonymous"`, `"guest"`).
 * Merging on one of them would fold every visitor who sent it into one person, so identity
 * resolution ignores them and records a warning instead. PostHog refuses the same values
 * (`isDistinctIdIllegal` in its person-merge service; shared/research/anchors.md §2.4).
 *
 * The one list, used by the TypeScript alias closure and compiled into SQL for both warehouses.
 * Matching: trim surrounding ASCII whitespace (what RE2's `\s` means), lower-case, compare; quoted spellings
 * (`"'null'"`) are junk too. Ids longer than {@link JUNK_ID_MAX_LENGTH} are never junk, which keeps
 * the SQL check cheap on real ids.
 */
export const JUNK_IDS: readonly string[] = [
  '',
  'undefined',
  'null',
  'nil',
  'none',
  'nan',
  '0',
  '-1',
  'false',
  'true',
  'anonymous',
  'anon',
  'guest',
  'unknown',
  'not_authenticated',
  'distinctid',
  'distinct_id',
  'id',
  'user',
  'userid',
  'user_id',
  'anonymousid',
  'anonymous_id',
  'email',
  '[object object]',
  '{}',
  '[]',
];

export const JUNK_ID_MAX_LENGTH = 40;

/** The list as compared in SQL: lower case, plus its quoted spellings. */
export function junkIdValues(extra: readonly string[] = []): string[] {
  const base = [...new Set([...JUNK_IDS, ...extra.map((x) => x.trim().toLowerCase())])];
  return [...new Set([...base, ...base.map((x) => `"${x}"`), ...base.map((x) => `'${x}'`)])];
}

/** The list as the SQL dialects compare it (`dialect.isJunk`). */
export function junkIdMatch(extra: readonly string[] = []): JunkIdMatch {
  return { values: junkIdValues(extra), maxLength: JUNK_ID_MAX_LENGTH };
}

/** True when `id` identifies nobody (see {@link JUNK_IDS}); `null`/`undefined` count as junk. */
export function isJunkId(id: string | null | undefined, extra: readonly string[] = []): boolean {
  if (id === null || id === undefined) return true;
  if (id.length > JUNK_ID_MAX_LENGTH) return false;
  return junkIdValues(extra).includes(id.replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, '').toLowerCase());
}
