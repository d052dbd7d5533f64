import type { CreditTable } from './credit-table.js';
import type { Interner } from './interner.js';
import type { PreparedPath } from './prepared-path.js';
import type { Credit, ModelResult } from './result.js';

/** One model inside an accumulator: credits prepared paths, then answers. */
export interface ModelEngine {
  add(p: PreparedPath): void;
  result(interner: Interner): ModelResult;
  /** Entries this model holds (credits, states, transitions, sets): bounded by distinct values, never by paths. */
  stateSize(): number;
}

/** The credit table as `{ value: { conversions, value } }`, skipping ids never credited. */
export function creditsRecord(table: CreditTable, interner: Interner, touched?: (id: number) => boolean): Record<string, Credit> {
  const out: Record<string, Credit> = {};
  for (let id = 0; id < table.length; id++) {
    const c = table.conversions(id);
    const v = table.value(id);
    if (touched ? !touched(id) : c === 0 && v === 0) continue;
    out[interner.value(id)] = { conversions: c, value: v };
  }
  return out;
}
