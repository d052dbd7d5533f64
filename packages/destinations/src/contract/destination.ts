import type { z } from 'zod';
import { adConsentRejection } from '../consent/consent-guard.js';
import type { BatchRule } from './batching.js';
import type { Capabilities } from './capabilities.js';
import type { MapEnv, SendContext } from './context.js';
import type { AsyncOutcomes } from './outcomes.js';
import type { BatchItem, MapOutcome, RowResult } from './result.js';
import type { Row } from './row.js';

/**
 * The destination contract (STYLE.md "Destinations are small"):
 * 1. `configSchema` — a zod schema a UI renders with `z.toJSONSchema`;
 * 2. `map` — pure: row + config -> the vendor's per-row item, or a per-row rejection;
 * 3. `batching` — the request limits from the vendor's documentation;
 * 4. `send` — performs the request(s) through the injected `fetch` and answers one result per
 *    batch item, in batch order;
 * 5. `capabilities` — sync modes, dedup key, rate limit, test mode, endpoint override, ad network,
 *    auth, and for customer lists the `audience` ops;
 * 6. `outcomes` (optional) — for vendors that decide after answering: collects the late verdicts.
 *
 * `C` is the parsed config, `P` the vendor payload of one row.
 */
export interface Destination<C, P> {
  /** Registry name, kebab-case: `google-data-manager`. */
  readonly name: string;
  /** What a person sees in the UI. */
  readonly title: string;
  /** The row columns `map` reads, documented for whoever writes the model query. */
  readonly columns: Readonly<Record<string, string>>;
  readonly configSchema: z.ZodType<C>;
  readonly capabilities: Capabilities<C>;
  readonly batching: BatchRule;
  /** Pure. For ad networks, the consent guard has already run (see {@link defineDestination}). */
  map(row: Row, config: C, env: MapEnv): MapOutcome<P>;
  /** Never throws for an HTTP or network failure: every row gets a classified result. */
  send(batch: readonly BatchItem<P>[], ctx: SendContext<C>): Promise<RowResult<P>[]>;
  /** Present when the vendor's verdict arrives after its answer (rows then carry a `receipt`). */
  readonly outcomes?: AsyncOutcomes<C>;
}

/**
 * Builds a destination from its parts, wiring the consent guard into `map` for ad networks, so
 * no caller (sync engine, real-time forwarding, a script) can map a row past it. Removing a
 * person from an audience is never guarded: a person who withdrew consent must leave the list.
 */
export function defineDestination<C, P>(spec: Destination<C, P>): Destination<C, P> {
  if (!spec.capabilities.adNetwork) return Object.freeze({ ...spec });
  const map = spec.map;
  return Object.freeze({
    ...spec,
    map(row: Row, config: C, env: MapEnv): MapOutcome<P> {
      const refused = env.op === 'remove' ? null : adConsentRejection(row);
      return refused ? { ok: false, rejection: refused } : map(row, config, env);
    },
  });
}

/** Config parsing as a value: the parsed config, or the issues naming each bad key. */
export function parseConfig<C>(
  destination: Pick<Destination<C, unknown>, 'name' | 'configSchema'>,
  raw: unknown,
): { ok: true; config: C } | { ok: false; errors: string[] } {
  const parsed = destination.configSchema.safeParse(raw);
  if (parsed.success) return { ok: true, config: parsed.data };
  return {
    ok: false,
    errors: parsed.error.issues.map(
      (i) => `${destination.name} config ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`,
    ),
  };
}
