import type { KeyValueStore, TrackerEnv } from './env.js';

/**
 * Runs `f` on the script storage and never throws: a SecurityError (storage blocked), a
 * QuotaExceededError or unparseable JSON all read as `undefined`. The tracker calls it only while
 * consent allows storage (see `save` and `restore` in tracker.ts).
 */
export const storageOf =
  (env: Pick<TrackerEnv, 'storage'>) =>
  <R>(f: (s: KeyValueStore) => R): R | undefined => {
    try {
      return f(env.storage());
    } catch {
      return undefined;
    }
  };
