/** Small readers for untrusted JSON: each returns `undefined` for anything not of its kind. */
export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const objOf = (v: unknown): Obj | undefined => (isObj(v) ? v : undefined);
export const strOf = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** A string, or a finite number as its decimal text (ids that SDKs send as numbers). */
export function idOf(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return strOf(v);
}

/** `o` without `keys` (undefined when nothing is left). */
export function without(o: Obj, keys: ReadonlySet<string>): Obj | undefined {
  let out: Obj | undefined;
  for (const [k, v] of Object.entries(o)) if (!keys.has(k) && v !== undefined) (out ??= {})[k] = v;
  return out;
}

/** An object of the entries that are defined (so optional keys stay absent). */
export function defined(o: Obj): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}

/** Milliseconds since the epoch as an ISO-8601 time; `null` when not a usable time. */
export function isoFromMs(v: unknown): string | null {
  const ms = typeof v === 'string' && /^\d{1,16}$/.test(v) ? Number(v) : v;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return null;
  const d = new Date(ms);
  const iso = Number.isFinite(d.getTime()) ? d.toISOString() : '';
  return iso.length === 24 ? iso : null;
}
