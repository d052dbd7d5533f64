import type { CreditTable } from '../credit-table.js';
import type { Interner } from '../interner.js';
import type { PreparedPath } from '../prepared-path.js';
import type { DistinctTouches } from './distinct-touches.js';

/**
 * Ordered Shapley (Zhao et al. 2018): channel j's simplified share R(T)/|T| is split over the touch
 * positions where j occurs, 1/#occurrences each, giving credit per (channel, position). This is
 * the corrected formula (ianchute/shapley-attribution-model-zhao-naive dd8d44d divides by the
 * repeat count; the pre-fix version gave every occurrence the full share, so totals exceeded the
 * conversions). Per-channel totals therefore equal simplified Shapley; the positions are the extra.
 */
export class OrderedShapley {
  // Conversions per touch position, one growable row per level-value id (ids are dense), and
  // how many positions of each row were credited.
  readonly #rows: (Float64Array | undefined)[] = [];
  readonly #used: number[] = [];

  /** Credits one non-empty path whose distinct touches `touches` has just scanned (k of them). */
  credit(table: CreditTable, p: PreparedPath, touches: DistinctTouches, k: number): void {
    const ids = p.ids;
    const c = p.conversions;
    const v = p.value;
    for (let i = 0; i < p.n; i++) {
      const id = ids[i] as number;
      const share = 1 / (k * touches.occurrences(id));
      table.add(id, share * c, share * v);
      let row = this.#rows[id];
      if (row === undefined || row.length <= i) row = this.#grow(id, i);
      row[i] = (row[i] as number) + share * c;
      if (i >= (this.#used[id] as number)) this.#used[id] = i + 1;
    }
  }

  /** Conversions per touch position, by level value, up to each value's last credited position. */
  positions(interner: Interner): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    this.#rows.forEach((row, id) => {
      if (row) out[interner.value(id)] = Array.from(row.subarray(0, this.#used[id]));
    });
    return out;
  }

  /** Entries held: bounded by values × the longest path, never by paths. */
  get size(): number {
    return this.#used.reduce((s, n) => s + n, 0);
  }

  #grow(id: number, position: number): Float64Array {
    while (this.#rows.length < id) {
      this.#rows.push(undefined);
      this.#used.push(0);
    }
    if (this.#used.length <= id) this.#used.push(0);
    const old = this.#rows[id];
    const row = new Float64Array(Math.max(8, position + 1, (old?.length ?? 0) * 2));
    if (old) row.set(old);
    this.#rows[id] = row;
    return row;
  }
}
