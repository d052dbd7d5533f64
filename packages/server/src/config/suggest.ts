/** Edits (insert, delete, substitute, swap two neighbours) between `a` and `b`: optimal string alignment. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The known name closest to `given`, when it is close enough to be a typo (at most a third of its
 * length in edits, at least one; case ignored), else undefined.
 */
export function closest(given: string, known: Iterable<string>): string | undefined {
  const g = given.toLowerCase();
  let best: { name: string; d: number } | undefined;
  for (const name of known) {
    const d = editDistance(g, name.toLowerCase());
    if (!best || d < best.d) best = { name, d };
  }
  return best && best.d <= Math.max(1, Math.floor(given.length / 3)) ? best.name : undefined;
}

/** ` (did you mean "x"?)`, or nothing. */
export function didYouMean(given: string, known: Iterable<string>): string {
  const c = closest(given, known);
  return c === undefined ? '' : ` (did you mean "${c}"?)`;
}

type SchemaLike = { readonly shape?: Record<string, unknown>; readonly _zod?: { readonly def?: { readonly innerType?: unknown; readonly in?: unknown } } };

/** The keys an object schema (under defaults, optionals and pipes) allows at `path`, or none. */
export function keysAt(schema: unknown, path: readonly PropertyKey[]): string[] {
  let s = schema as SchemaLike | undefined;
  const unwrap = () => {
    for (let i = 0; i < 10 && s && !s.shape; i++) s = (s._zod?.def?.innerType ?? s._zod?.def?.in) as SchemaLike | undefined;
  };
  for (const key of path) {
    unwrap();
    s = s?.shape?.[String(key)] as SchemaLike | undefined;
  }
  unwrap();
  return s?.shape ? Object.keys(s.shape) : [];
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Keys of `input` that the object schemas along their path do not have, at any depth (zod's
 * objects strip such keys silently: a typo in a nested key would be lost). A record or anything
 * that is not an object schema ends the walk there.
 */
export function unknownKeys(schema: unknown, input: unknown, path: readonly string[] = []): { readonly path: readonly string[]; readonly key: string; readonly known: readonly string[] }[] {
  if (!isPlainObject(input)) return [];
  const known = keysAt(schema, path);
  if (known.length === 0) return [];
  return Object.entries(input).flatMap(([key, value]) =>
    known.includes(key) ? unknownKeys(schema, value, [...path, key]) : [{ path, key, known }],
  );
}
