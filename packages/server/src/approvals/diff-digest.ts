import { createHash } from 'node:crypto';
import type { SyncStore } from '../activation/store/sync-store.js';

/** Diff rows read per page while hashing. */
const PAGE = 5000;

/**
 * SHA-256 over a run's whole diff in key order: each row's operation, primary key and the hash of
 * its mapped columns (what would be sent). Two plans with the same digest send the same rows with
 * the same values; any added, removed or changed row gives another digest.
 */
export async function diffDigest(store: SyncStore, tables: { readonly stage: string; readonly diff: string }, syncName: string): Promise<string> {
  const h = createHash('sha256');
  let after: string | null = null;
  for (;;) {
    const page = await store.diffPage(tables.diff, tables.stage, syncName, after, PAGE);
    // JSON per row: a key holding a tab or a newline cannot make two diffs hash alike.
    for (const d of page) h.update(`${JSON.stringify([d.op, d.pk, d.hash])}\n`);
    if (page.length < PAGE) break;
    after = page.at(-1)!.pk;
  }
  return h.digest('hex');
}
