import type { BatchItem } from './result.js';

/** How many mapped rows fit one request, from the vendor's documented limits. */
export interface BatchRule {
  /** Max items per request (Data Manager 2000, Meta 1000, Salesforce 200, HubSpot 100). */
  readonly maxItems: number;
  /** Max request body bytes, counted as the UTF-8 JSON of the payloads plus `envelopeBytes`. */
  readonly maxBytes: number;
  /** Bytes the request adds around the items (wrapper object, destination block). */
  readonly envelopeBytes: number;
  /**
   * Never put two items with the same dedup key in one request (HubSpot answers 400 "Duplicate
   * IDs found in batch input"; Google counts an in-request duplicate as a client bug). The later
   * item goes to a later batch, so write order per key is kept.
   */
  readonly distinctKeys: boolean;
  /** Where the numbers come from. */
  readonly source: string;
  /**
   * `maxItems` is Touchline's own bound and the vendor limits only the request's bytes
   * (Customer.io's batch endpoint): the conformance suite then proves the byte limit instead.
   */
  readonly maxItemsChosen?: boolean;
}

/** UTF-8 size of an item's JSON, plus one byte for the comma between array elements. */
export const itemBytes = (payload: unknown): number =>
  Buffer.byteLength(JSON.stringify(payload), 'utf8') + 1;

export interface BatchPlan<P> {
  readonly batches: BatchItem<P>[][];
  /** Items that alone exceed `maxBytes`: they can never be sent and must be rejected. */
  readonly oversized: BatchItem<P>[];
}

/**
 * Splits mapped items into requests within a rule. Order is kept within and across batches;
 * pure, so the sync engine can plan before it spends any rate-limit tokens.
 */
export function planBatches<P>(items: readonly BatchItem<P>[], rule: BatchRule): BatchPlan<P> {
  const batches: BatchItem<P>[][] = [];
  const oversized: BatchItem<P>[] = [];
  const budget = rule.maxBytes - rule.envelopeBytes;
  // Items only ever join the newest batch, so order is kept and a repeated key always lands
  // in a later request than its predecessor.
  let current: { items: BatchItem<P>[]; bytes: number; keys: Set<string> } | undefined;
  for (const item of items) {
    const size = itemBytes(item.payload);
    if (size > budget) {
      oversized.push(item);
      continue;
    }
    const full =
      !current ||
      current.items.length >= rule.maxItems ||
      current.bytes + size > budget ||
      (rule.distinctKeys && current.keys.has(item.dedupKey));
    if (full) {
      current = { items: [], bytes: 0, keys: new Set() };
      batches.push(current.items);
    }
    current!.items.push(item);
    current!.bytes += size;
    current!.keys.add(item.dedupKey);
  }
  return { batches, oversized };
}
