/**
 * Maps level values (strings) to dense integer ids once, so every model works on small integers
 * and typed arrays instead of hashing strings per touch.
 */
export interface Interner {
  /** The id of `value`, assigning the next free id on first sight. */
  id(value: string): number;
  /** The value of an id. */
  value(id: number): string;
  /** How many distinct values have been seen. */
  readonly size: number;
}

export function createInterner(): Interner {
  const ids = new Map<string, number>();
  const values: string[] = [];
  return {
    id(value) {
      let id = ids.get(value);
      if (id === undefined) {
        id = values.length;
        ids.set(value, id);
        values.push(value);
      }
      return id;
    },
    value(id) {
      const v = values[id];
      if (v === undefined) throw new RangeError(`no level value has id ${id}`);
      return v;
    },
    get size() {
      return values.length;
    },
  };
}
