/**
 * Maps level values (strings) to dense integer ids once, so every model works on small integers
 * and typed arrays instead of hashing strings per touch.
 *
 * A class, not a closure over a Map: `id` runs for every touch of every path, and V8 inlines it
 * into the path preparation only as a method of one object shape.
 */
export class Interner {
  readonly #ids = new Map<string, number>();
  readonly #values: string[] = [];

  /** The id of `value`, assigning the next free id on first sight. */
  id(value: string): number {
    const id = this.#ids.get(value);
    return id === undefined ? this.#add(value) : id;
  }

  /** The value of an id. */
  value(id: number): string {
    const v = this.#values[id];
    if (v === undefined) throw new RangeError(`no level value has id ${id}`);
    return v;
  }

  /** How many distinct values have been seen. */
  get size(): number {
    return this.#values.length;
  }

  #add(value: string): number {
    const id = this.#values.length;
    this.#ids.set(value, id);
    this.#values.push(value);
    return id;
  }
}

export function createInterner(): Interner {
  return new Interner();
}
