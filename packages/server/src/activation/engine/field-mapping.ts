import type { Row } from '@touchline/destinations';
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
  mapping: Readonly<Record<string, string>> | undefined,
  where: string,
): (readonly [string, SourceColumn])[] {
  const byName = new Map(columns.map((c) => [c.name, c]));
  if (!mapping) return columns.map((c) => [c.name, c] as const);
  return Object.entries(mapping).map(([dest, src]) => {
    const col = byName.get(src);
    if (!col) {
      throw new MappingError(
        `${where}.mapping.${dest}: the source has no column "${src}" (it returns ${columns.map((c) => c.name).join(', ') || 'no columns'})`,
      );
    }
    return [dest, col] as const;
  });
}

/** The destination row for a staged source row. */
export function applyMapping(source: Readonly<Record<string, unknown>>, mapping: Readonly<Record<string, string>> | undefined): Row {
  if (!mapping) return { ...source };
  const out: Record<string, unknown> = {};
  for (const [dest, src] of Object.entries(mapping)) out[dest] = source[src] ?? null;
  return out;
}

/**
 * The row a mirror sync sends for a key that left the source: every mapped field cleared (null),
 * except the columns that identify the record (Hightouch's "clear fields" delete behaviour; none
 * of the built-in destinations deletes records). Without a remembered row (rows adopted by
 * `--baseline`), the identifying columns take the primary key's value.
 */
export function removalRow(before: Readonly<Record<string, unknown>> | null, pk: string, keep: readonly string[], mapped: readonly string[]): Row {
  const out: Record<string, unknown> = {};
  for (const dest of new Set([...mapped, ...Object.keys(before ?? {})])) out[dest] = keep.includes(dest) ? (before?.[dest] ?? pk) : null;
  for (const k of keep) if (!(k in out)) out[k] = before?.[k] ?? pk;
  return out;
}
