/**
 * Group commit for checkpoints: every outcome waiting when a write starts goes into that one
 * write, so the warehouse never limits the send rate. `record` resolves once the outcomes it was
 * given are written, and rejects with the write's error when that write failed (the caller
 * decides what a lost checkpoint means: the delivery stops; the run fails).
 */
export interface GroupCommit<O> {
  record(outcomes: readonly O[]): Promise<void>;
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** The one state a group commit keeps: what waits, who waits, and whether a write is under way. */
interface CommitState<O> {
  pending: O[];
  waiters: Waiter[];
  writing: Promise<void> | null;
}

export function createGroupCommit<O>(write: (outcomes: readonly O[]) => Promise<void>): GroupCommit<O> {
  const s: CommitState<O> = { pending: [], waiters: [], writing: null };

  async function flushLoop(): Promise<void> {
    while (s.pending.length > 0 || s.waiters.length > 0) {
      const batch = s.pending.splice(0);
      const done = s.waiters;
      s.waiters = [];
      try {
        await write(batch);
        done.forEach((w) => w.resolve());
      } catch (error) {
        // Not swallowed: every caller whose outcomes were in this write gets the error.
        done.forEach((w) => w.reject(error));
      }
    }
    s.writing = null;
  }

  return {
    record(outcomes) {
      s.pending.push(...outcomes);
      return new Promise<void>((resolve, reject) => {
        s.waiters.push({ resolve, reject });
        s.writing ??= flushLoop();
      });
    },
  };
}
