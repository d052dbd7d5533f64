import type { StandIn } from '../stand-in-types.js';

/**
 * Google dedups per conversion action (activation-contracts.md §1.6), so its stand-ins accept
 * items under `<action>|<key>`; a test asks about the row's own dedup key, so `count(key)` and
 * `received(key)` sum over the actions.
 */
export function perActionCounts<T>(base: StandIn<T>): Pick<StandIn<T>, 'count' | 'received'> {
  const sum = (f: (k: string) => number) => (key: string) =>
    [...new Set(base.accepted.map((a) => a.key))].filter((k) => k.endsWith(`|${key}`)).reduce((n, k) => n + f(k), 0);
  return { count: sum(base.count), received: sum(base.received) };
}
