/**
 * Label values a metric may carry. A Prometheus series per distinct value is kept forever, so a
 * value taken from a request (a path, an id) must be bounded and must never be personal data:
 * only short identifier-like text passes, and past `maxValues` distinct values per label
 * everything new is counted as `other`.
 */
const SAFE = /^[A-Za-z0-9_.:/*-]{1,80}$/;

export const OTHER = 'other';

export interface LabelGuard {
  /** `value` when it is safe and among the first `maxValues` seen; else `other`. */
  (value: string | undefined): string;
}

/** A guard for one label; @defaultValue maxValues 50 */
export function labelGuard(maxValues = 50): LabelGuard {
  const seen = new Set<string>();
  return (value) => {
    if (value === undefined || !SAFE.test(value) || value.includes('@')) return OTHER;
    if (seen.has(value)) return value;
    if (seen.size >= maxValues) return OTHER;
    seen.add(value);
    return value;
  };
}

/** `2xx`, `4xx`…: the status class, not the code (a handful of series per route). */
export const statusClass = (code: number): string => `${Math.floor(code / 100)}xx`;
