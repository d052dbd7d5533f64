import type { Touch, TouchState } from '@touchline/protocol';
import type { TouchStore, VisitorUpdate } from './touch-store.js';

/** A touch with its landing URL and referrer redacted (the rest — UTMs, click ids — is kept). */
/** The same object when nothing changes: stores skip rewriting a touch that is unchanged (sqlite-touch-store.ts). */
function redactTouch(t: Touch | undefined, redact: (url: string) => string): Touch | undefined {
  if (!t) return t;
  const url = t.url === undefined ? undefined : redact(t.url);
  const referrer = t.referrer === undefined ? undefined : redact(t.referrer);
  if (url === t.url && referrer === t.referrer) return t;
  return { ...t, ...(url !== undefined ? { url } : {}), ...(referrer !== undefined ? { referrer } : {}) };
}

/** A visitor's state with every touch's URL and referrer redacted. */
export function redactTouchState(s: TouchState, redact: (url: string) => string): TouchState {
  const out: TouchState = { ...s };
  for (const k of ['first', 'last', 'session'] as const) {
    const t = redactTouch(s[k], redact);
    if (t) out[k] = t;
  }
  return out;
}

/**
 * The touch store behind the ingest redaction (docs/governance.md, "Redaction at ingest"): the
 * touches the tracker computes from the page, before ingest, are redacted as they enter the
 * store, whichever store it is. A step that changes nothing still returns its input (the store's
 * "no change"), so nothing is rewritten for a visitor whose touches did not move.
 */
export function redactingTouchStore(store: TouchStore, redact: (url: string) => string): TouchStore {
  const redacted = (step: (prev: TouchState) => TouchState) => (prev: TouchState) => {
    const next = step(prev);
    return next === prev ? prev : redactTouchState(next, redact);
  };
  return {
    ...store,
    get: (id) => store.get(id),
    update: (id, step) => store.update(id, redacted(step)),
    updateMany: (updates) => store.updateMany(updates.map(([id, step]): VisitorUpdate => [id, redacted(step)])),
    prune: (before) => store.prune(before),
    forget: (ids) => store.forget(ids),
    close: () => store.close(),
    ...(store.count ? { count: () => store.count!() } : {}),
  };
}
