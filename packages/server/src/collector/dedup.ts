/**
 * Recently accepted message ids, per source, so a client's retry gets a fast 200 without a second
 * row in the spool. Two generations of sets rotate by age and size, bounding memory; the
 * warehouse's (source_id, message_id) check over the full dedup window is the authority.
 */
export interface RecentIds {
  has(key: string): boolean;
  add(key: string): void;
  readonly size: number;
}

export function createRecentIds(capacity: number, windowMs: number, now: () => number = Date.now): RecentIds {
  let current = new Set<string>();
  let previous = new Set<string>();
  let rotatedAt = now();
  const half = Math.max(1, Math.floor(capacity / 2));
  function rotate(): void {
    previous = current;
    current = new Set();
    rotatedAt = now();
  }
  return {
    has(key) {
      return current.has(key) || previous.has(key);
    },
    add(key) {
      if (capacity === 0) return;
      if (current.size >= half || now() - rotatedAt > windowMs / 2) rotate();
      current.add(key);
    },
    get size() {
      return current.size + previous.size;
    },
  };
}

export const dedupKey = (sourceId: string, messageId: string): string => `${sourceId}\u0000${messageId}`;
