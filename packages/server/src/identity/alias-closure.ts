import { isJunkId } from './junk-ids.js';

/** One explicit `alias` call: `previousId` and `userId` are the same person. */
export interface AliasEdge {
  readonly previousId: string;
  readonly userId: string;
}

/**
 * Explicit merges, closed transitively: every id that an `alias` chain connects, mapped to the
 * component's root. Aliases are rare (Segment recommends them for a few destinations only), so
 * the closure is computed here, in memory proportional to the alias edges, and written to a small
 * table the SQL views join; identify links (one per device and user) stay in the warehouse.
 *
 * The root is the smallest user id (code-unit order) among the component's alias `userId`s: it
 * depends only on which ids are linked, never on arrival order, so the person id is deterministic
 * and stable until a new alias merges the component with another. Junk ids and self-aliases are
 * skipped (the identity_warnings view lists them).
 */
export function aliasClosure(edges: Iterable<AliasEdge>, junkIds: readonly string[] = []): Map<string, string> {
  const parent = new Map<string, string>();
  const users = new Set<string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    // Path compression keeps later finds O(α).
    let y = x;
    while (parent.get(y) !== r) {
      const next = parent.get(y)!;
      parent.set(y, r);
      y = next;
    }
    return r;
  };
  const add = (x: string) => {
    if (!parent.has(x)) parent.set(x, x);
  };
  for (const e of edges) {
    if (e.previousId === e.userId || isJunkId(e.previousId, junkIds) || isJunkId(e.userId, junkIds)) continue;
    add(e.previousId);
    add(e.userId);
    users.add(e.userId);
    const a = find(e.previousId);
    const b = find(e.userId);
    if (a !== b) parent.set(a < b ? b : a, a < b ? a : b);
  }
  // The smallest alias user id of each component names it.
  const rootUser = new Map<string, string>();
  for (const u of users) {
    const r = find(u);
    const cur = rootUser.get(r);
    if (cur === undefined || u < cur) rootUser.set(r, u);
  }
  const out = new Map<string, string>();
  for (const id of parent.keys()) out.set(id, rootUser.get(find(id))!);
  return out;
}
