import type { AcceptedItem } from './stand-in-types.js';

/**
 * Counts accepted items per dedup key the way a vendor does: an arrival is counted unless a
 * counted arrival with the same key happened within `windowMs` before it (Meta: 48 h on
 * event_name + event_id; Google: a transaction id is used once per conversion action, forever;
 * a CRM upsert keeps one record per external id, forever).
 */
export function createDedupLedger<T>(windowMs: number) {
  const items: AcceptedItem<T>[] = [];
  const lastCounted = new Map<string, number>();
  return {
    items: items as readonly AcceptedItem<T>[],
    /** Records an arrival; answers whether the vendor counted it. */
    add(key: string, item: T, at: number, request: number): boolean {
      const prev = lastCounted.get(key);
      const counted = prev === undefined || at - prev > windowMs;
      if (counted) lastCounted.set(key, at);
      items.push({ key, item, at, request, counted });
      return counted;
    },
    count: (key: string) => items.filter((i) => i.key === key && i.counted).length,
    received: (key: string) => items.filter((i) => i.key === key).length,
    clear() {
      items.length = 0;
      lastCounted.clear();
    },
  };
}
export type DedupLedger<T> = ReturnType<typeof createDedupLedger<T>>;
