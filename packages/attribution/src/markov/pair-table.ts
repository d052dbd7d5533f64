/**
 * An open-addressing hash table from (from, to) pairs of small non-negative integers to dense
 * slot numbers 0, 1, 2… in insertion order: the Markov transitions. Keys live in two typed arrays
 * (linear probing, load ≤ ½, doubled when full), so a lookup is a few typed-array reads and no
 * allocation, where a Map per source state cost a hash-table walk and boxed keys per transition.
 */
export interface PairTable {
  /** The slot of (a, b), assigned on first sight. */
  slot(a: number, b: number): number;
  /** Slots assigned so far. */
  readonly size: number;
}

const EMPTY = -1;

function mix(a: number, b: number): number {
  // Two multiplicative hashes folded together; Math.imul keeps it in 32-bit integer arithmetic.
  let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77);
  h ^= h >>> 15;
  return h;
}

export function createPairTable(initialCapacity = 1024): PairTable {
  let capacity = initialCapacity;
  let mask = capacity - 1;
  let keyA = new Int32Array(capacity).fill(EMPTY);
  let keyB = new Int32Array(capacity);
  let slots = new Int32Array(capacity);
  let size = 0;

  const grow = () => {
    const oldA = keyA;
    const oldB = keyB;
    const oldSlots = slots;
    capacity *= 2;
    mask = capacity - 1;
    keyA = new Int32Array(capacity).fill(EMPTY);
    keyB = new Int32Array(capacity);
    slots = new Int32Array(capacity);
    for (let i = 0; i < oldA.length; i++) {
      const a = oldA[i] as number;
      if (a === EMPTY) continue;
      const b = oldB[i] as number;
      let j = mix(a, b) & mask;
      while (keyA[j] !== EMPTY) j = (j + 1) & mask;
      keyA[j] = a;
      keyB[j] = b;
      slots[j] = oldSlots[i] as number;
    }
  };

  return {
    slot(a, b) {
      let j = mix(a, b) & mask;
      for (;;) {
        const k = keyA[j] as number;
        if (k === EMPTY) break;
        if (k === a && keyB[j] === b) return slots[j] as number;
        j = (j + 1) & mask;
      }
      const s = size++;
      keyA[j] = a;
      keyB[j] = b;
      slots[j] = s;
      if (size * 2 > capacity) grow();
      return s;
    },
    get size() {
      return size;
    },
  };
}
