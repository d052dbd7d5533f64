import type { Milestones, PathInput } from '../path-input.js';

/** One line of a paths file, parsed: the path, or what is wrong with it and where. */
export type PathLine =
  | { readonly ok: true; readonly line: number; readonly path: PathInput }
  | { readonly ok: false; readonly line: number; readonly field: string; readonly message: string };

const FIELDS = new Set(['path', 'conversions', 'value', 'nulls', 'times', 'converted_at', 'milestones']);
const MILESTONES = ['lead', 'opportunity', 'close'] as const;

/**
 * Parses one NDJSON line of a paths file:
 * `{"path": ["Paid Search", "Email"], "conversions": 2, "value": 90, "nulls": 5}`, optionally with
 * `times`, `converted_at` and `milestones`. Unknown fields are refused (a typo such as
 * `"conversion"` would otherwise silently count every path as one conversion).
 */
export function parsePathLine(text: string, line: number): PathLine {
  const bad = (field: string, message: string): PathLine => ({ ok: false, line, field, message });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return bad('', `not valid JSON (${(e as Error).message}); each line must be one JSON object`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad('', 'each line must be a JSON object with a "path" array');
  const o = raw as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!FIELDS.has(key)) return bad(key, `unknown field "${key}"; the fields are ${[...FIELDS].join(', ')}`);
  }
  const path = o['path'];
  if (!Array.isArray(path)) return bad('path', '"path" is required: an array of strings (the touches, oldest first)');
  for (let i = 0; i < path.length; i++) {
    if (typeof path[i] !== 'string') return bad(`path[${i}]`, `"path[${i}]" must be a string (got ${JSON.stringify(path[i])})`);
  }
  const out: { -readonly [K in keyof PathInput]: PathInput[K] } = { path: path as string[] };
  for (const key of ['conversions', 'value', 'nulls'] as const) {
    const v = o[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) return bad(key, `"${key}" must be a number ≥ 0 (got ${JSON.stringify(v)})`);
    out[key] = v;
  }
  const times = o['times'];
  if (times !== undefined) {
    if (!Array.isArray(times) || !times.every((t) => typeof t === 'string' || typeof t === 'number')) {
      return bad('times', '"times" must be an array of ISO-8601 strings or epoch milliseconds, one per touch');
    }
    out.times = times as (string | number)[];
  }
  const convertedAt = o['converted_at'];
  if (convertedAt !== undefined) {
    if (typeof convertedAt !== 'string' && typeof convertedAt !== 'number') return bad('converted_at', '"converted_at" must be an ISO-8601 string or epoch milliseconds');
    out.converted_at = convertedAt;
  }
  const m = o['milestones'];
  if (m !== undefined) {
    if (typeof m !== 'object' || m === null || Array.isArray(m)) return bad('milestones', '"milestones" must be an object like {"lead": 1, "opportunity": 3}');
    const milestones: { -readonly [K in keyof Milestones]: Milestones[K] } = {};
    for (const [key, at] of Object.entries(m)) {
      if (!(MILESTONES as readonly string[]).includes(key)) return bad(`milestones.${key}`, `unknown milestone "${key}"; use ${MILESTONES.join(', ')}`);
      if (typeof at !== 'number') return bad(`milestones.${key}`, `"milestones.${key}" must be a touch index (got ${JSON.stringify(at)})`);
      milestones[key as (typeof MILESTONES)[number]] = at;
    }
    out.milestones = milestones;
  }
  return { ok: true, line, path: out };
}
