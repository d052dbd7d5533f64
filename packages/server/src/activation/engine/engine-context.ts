import type { Logger } from '@touchline/destinations';
import type { Clock } from '../../clock/clock.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import type { ActivationConfig } from '../config/activation-config.js';
import type { SyncStore } from '../store/sync-store.js';

/** What the steps of a sync run share: the engine's ports and its owner id, nothing mutable. */
export interface EngineContext {
  readonly config: ActivationConfig;
  readonly warehouse: Warehouse;
  readonly store: SyncStore;
  readonly clock: Clock;
  readonly log: Logger;
  /** `host:pid:nonce` of this engine: written on the runs it holds. */
  readonly owner: string;
}

/** The context's now, as the ISO-8601 text run records hold. */
export const isoNow = (ctx: Pick<EngineContext, 'clock'>): string => new Date(ctx.clock.now()).toISOString();

export const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));
