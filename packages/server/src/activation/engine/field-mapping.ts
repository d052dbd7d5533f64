import type { Row } from '@touchline/destinations';
import { mappingSourceColumn, type MappingValue } from '../config/activation-config.js';
import type { SourceColumn } from '../store/store-engine.js';

/** A mapping that names a source column the query does not return; the message names both. */
export class MappingError extends Error {
  override readonly name = 'MappingError';
}

/**
 * The (destination column, source column) pairs a sync sends and hashes: the mapping's entries,
 * or every source column under its own name. Only these take part in change detection, so a
 * column the destination never sees cannot make a row look changed (Hightouch's rule, §11.1).
 */
export function mappedColumns(
  columns: readonly SourceColumn[],
  mapping: Readonly<Record<string, MappingValue>> | undefined,
  where: string,
): (readonly [string, SourceColumn])[] {
  const byName = new Map(columns.map((c) => [c.name, c]));
  if (!mapping) return columns.map((c) => [c.name, c] as const);
  // A constant reads no column: it is not hashed (changing it resends nothing; use --full).
  const read = Object.entries(mapping).flatMap(([dest, v]) => {
    const src = mappingSourceColumn(v);
    return src === undefined ? [] : [[dest, src] as const];
  });
  return read.map(([dest, src]) => {
    const col = byName.get(src);
    if (!col) {
      throw new MappingError(
        `${where}.mapping.${dest}: the source has no column "${src}" (it returns ${columns.map((c) => c.name).join(', ') || 'no columns'})`,
      );
    }
    return [dest, col] as const;
  });
}

/** One mapping entry's value for a source row: the column, the constant, or the lookup's answer. */
function mappedValue(source: Readonly<Record<string, unknown>>, v: MappingValue): unknown {
  if (typeof v === 'string') return source[v] ?? null;
  if ('static' in v) return v.static;
  const raw = source[v.column] ?? null;
  const key = raw === null ? undefined : String(raw);
  // Own keys only: a source value such as "__proto__" or "constructor" finds no entry.
  if (key !== undefined && Object.hasOwn(v.values, key)) return v.values[key];
  return v.default !== undefined ? v.default : raw;
}

/** The destination row for a staged source row. */
export function applyMapping(source: Readonly<Record<string, unknown>>, mapping: Readonly<Record<string, MappingValue>> | undefined): Row {
  if (!mapping) return { ...source };
  const out: Record<string, unknown> = {};
  for (const [dest, v] of Object.entries(mapping)) out[dest] = mappedValue(source, v);
  return out;
}

/**
 * The row a mirror sync sends for a key that left the source: every mapped field cleared (null),
 * except the columns that identify the record (Hightouch's "clear fields" delete behaviour; a
 * destination that deletes maps it, with `op: 'remove'`, to a delete by those columns). Without a remembered row (rows adopted by
 * `--baseline`), the identifying columns take the primary key's value.
 */
export function removalRow(before: Readonly<Record<string, unknown>> | null, pk: string, keep: readonly string[], mapped: readonly string[]): Row {
  const out: Record<string, unknown> = {};
  for (const dest of new Set([...mapped, ...Object.keys(before ?? {})])) out[dest] = keep.includes(dest) ? (before?.[dest] ?? pk) : null;
  for (const k of keep) if (!(k in out)) out[k] = before?.[k] ?? pk;
  return out;
}
