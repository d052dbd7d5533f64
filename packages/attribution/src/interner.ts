/**
 * Maps level values (strings) to dense integer ids once, so every model works on small integers
 * and typed arrays instead of hashing strings per touch.
 *
 * `id` runs for every touch of every path, on strings JSON.parse has just made: past 10
 * characters V8 has not hashed them yet, and a Map lookup then hashes the whole string (about
 * 100 ns for a 40-character campaign value). So a small direct-mapped cache, keyed by the length
 * and three characters, answers first: one string comparison when it hits, the Map when it
 * misses (and the slot then remembers the new answer). Any input stays correct and bounded: a
 * collision costs one comparison more than the Map alone. A class, so V8 inlines `id`.
 */
export class Interner {
  readonly #ids = new Map<string, number>();
  readonly #values: string[] = [];
  readonly #cache = new Int32Array(CACHE_SLOTS).fill(-1);

  /** The id of `value`, assigning the next free id on first sight. */
  id(value: string): number {
    const n = value.length;
    const slot = (Math.imul(n, 0x9e3779b1) ^ Math.imul(value.charCodeAt(n - 1), 961) ^ Math.imul(value.charCodeAt(n - 2), 31) ^ value.charCodeAt(n >> 1)) & (CACHE_SLOTS - 1);
    const cached = this.#cache[slot] as number;
    if (cached >= 0 && this.#values[cached] === value) return cached;
    const known = this.#ids.get(value);
    const id = known === undefined ? this.#add(value) : known;
    this.#cache[slot] = id;
    return id;
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

const CACHE_SLOTS = 4096;

export function createInterner(): Interner {
  return new Interner();
}
