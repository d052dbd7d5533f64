import type { Destination } from '../contract/destination.js';
import type { Clock } from '../contract/context.js';
import type { Row } from '../contract/row.js';
import type { StandIn } from '../testing/stand-in-types.js';

/** What the conformance suite needs to drive one destination against its stand-in. */
export interface ConformanceHarness<C, P> {
  readonly destination: Destination<C, P>;
  /** The instant the suite pins the clock to (destination and stand-in share it). */
  readonly now: number;
  /** Starts the destination's stand-in, accepting the credentials `config` carries. */
  startStandIn(options: { clock: Clock }): Promise<StandIn<unknown>>;
  /** A valid config whose `endpoint` is the stand-in's URL. */
  config(endpoint: string): C;
  /**
   * `count` rows that map and are accepted, each with its own dedup key; `tag` makes the keys
   * differ between calls. Ad-network rows carry granted `ad_user_data` consent.
   */
  rows(count: number, tag?: string): Row[];
  /** A row `map` must reject, and the column the rejection must name. */
  readonly invalidRow: { readonly row: Row; readonly field: string };
  /**
   * The config with credentials the stand-in refuses.
   * @defaultValue the config with `accessToken: 'wrong-token'`
   */
  wrongCredentials?(config: C): C;
}
