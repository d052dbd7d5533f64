/**
 * Values that travel beside SQL text instead of inside it. A statement names each value with a
 * `$name` placeholder and carries the values in `params`; DuckDB binds them natively (prepared
 * statements), ClickHouse 18.16 has no server-side parameters, so its warehouse renders each one
 * through the ClickHouse quoting function (clickhouse-params.ts). Callers write one statement for
 * both engines either way.
 */
export type SqlValue = string | number | bigint | boolean | null;

/** A statement's values by placeholder name (`{ since: '2026-01-01T00:00:00.000Z' }` for `$since`). */
export type SqlParams = Readonly<Record<string, SqlValue>>;

/** What a placeholder's name may be: `$` then a letter or underscore, then letters, digits, underscores. */
export const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Checks the names before anything runs: a misspelt key is a bug, named in the error. */
export function assertParamNames(params: SqlParams): void {
  for (const name of Object.keys(params)) {
    if (!PARAM_NAME.test(name)) throw new RangeError(`SQL parameter "${name}": names are letters, digits and '_', not starting with a digit`);
  }
}

/** A statement refers to a parameter nobody gave, or was given one it never uses. */
export class ParamMismatchError extends Error {
  override readonly name = 'ParamMismatchError';
}

/** Fails when `used` and the given params differ: both engines refuse the same statements. */
export function assertParamsMatch(used: ReadonlySet<string>, params: SqlParams): void {
  const missing = [...used].filter((n) => !Object.hasOwn(params, n));
  if (missing.length > 0) throw new ParamMismatchError(`SQL parameter(s) ${missing.map((n) => `$${n}`).join(', ')} not given`);
  const unused = Object.keys(params).filter((n) => !used.has(n));
  if (unused.length > 0) throw new ParamMismatchError(`SQL parameter(s) ${unused.map((n) => `$${n}`).join(', ')} given but not used`);
}

/**
 * Parameters as logs may show them: names and kinds, never the values (they are event data,
 * emails, ids).
 */
export function maskParams(params: SqlParams | undefined): Record<string, string> | undefined {
  if (params === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(params)) {
    out[name] = v === null ? 'null' : typeof v === 'string' ? `<string, ${v.length} chars>` : `<${typeof v}>`;
  }
  return out;
}

/**
 * The text with every string parameter's value (3 characters or more: shorter ones would
 * match anywhere) replaced by its placeholder: for engine messages that quote the value.
 */
export function scrubParams(text: string, params: SqlParams | undefined): string {
  if (params === undefined) return text;
  const values = Object.entries(params)
    .filter((e): e is [string, string] => typeof e[1] === 'string' && e[1].length >= 3)
    .sort((a, b) => b[1].length - a[1].length);
  let out = text;
  for (const [name, v] of values) out = out.split(v).join(`<$${name}>`);
  return out;
}

/** Collects the values of one statement under construction, naming each `$p1`, `$p2`, … */
export interface ParamCollector {
  /** The placeholder that stands for `v` in the statement. */
  add(v: SqlValue): string;
  readonly params: SqlParams;
}

export function paramCollector(prefix = 'p'): ParamCollector {
  if (!PARAM_NAME.test(prefix)) throw new RangeError(`parameter prefix "${prefix}": letters, digits and '_' only`);
  const params: Record<string, SqlValue> = {};
  let n = 0;
  return {
    add(v) {
      const name = `${prefix}${++n}`;
      params[name] = v;
      return `$${name}`;
    },
    params,
  };
}

/** SQL with `$name` placeholders and their values: one statement, ready for the warehouse. */
export interface Statement {
  readonly sql: string;
  readonly params: SqlParams;
}
