import type { AccessTokenProvider, FetchLike, Logger } from '@touchline/destinations';
import { systemClock, type Clock } from '../clock/clock.js';
import type { LoadBatch, Warehouse } from '../warehouse/warehouse.js';
import type { ActivationConfig } from './config/activation-config.js';
import { createRateGates } from './engine/rate-gate.js';
import { createScheduler } from './engine/scheduler.js';
import type { RunRecord } from './store/records.js';
import { createSyncEngine, type SyncEngine, type SyncEngineDeps } from './engine/sync-engine.js';
import type { RunGate } from './engine/run-gate.js';
import { startForwarder, type RuleApproval } from './forwarding/forwarder.js';

export interface ActivationOptions {
  readonly config: ActivationConfig;
  readonly warehouse: Warehouse;
  readonly dataDir: string;
  /** @defaultValue the global fetch */
  readonly fetch?: FetchLike;
  /** @defaultValue the system clock */
  readonly clock?: Clock;
  /** The token provider of a connected destination account (src/connections/). */
  readonly auth?: (destination: string) => AccessTokenProvider | undefined;
  readonly log?: (msg: string, fields?: Record<string, unknown>) => void;
  /** Run scheduled syncs and resume interrupted ones (a listening server). @defaultValue true */
  readonly schedule?: boolean;
  /** Drain the forwarding outboxes (wherever events are loaded). @defaultValue true */
  readonly forward?: boolean;
  /** The gate of scheduled runs (src/approvals/): a scheduled run that crosses a trigger waits for approval. @defaultValue none: a crossed guard fails it */
  readonly scheduledGate?: RunGate;
  /** Told of each sync run that ended (metrics). @defaultValue none */
  readonly onRunEnded?: SyncEngineDeps['onRunEnded'];
  /** Rows naming a person a privacy request removed (src/privacy/): syncs and forwarding skip them. @defaultValue none */
  readonly suppressed?: (row: Readonly<Record<string, unknown>>) => boolean;
  /** Whether a forwarding rule may forward now (src/approvals/forwarding-rules.ts). @defaultValue every rule may */
  readonly forwardingApproval?: (rule: string) => RuleApproval;
}

/** Activation in a running Touchline: the sync engine, its scheduler, and real-time forwarding. */
export interface Activation {
  readonly syncs: SyncEngine;
  /** Forwarding rules and their outboxes, for status. */
  forwardingStatus(): unknown;
  /** Tells `listener` of every ended run (and every run a late verdict reassessed): alerts. */
  onRunEnded(listener: (run: RunRecord) => void): void;
  /** Timed syncs due more than `graceMs` ago (empty without a scheduler). */
  overdue(graceMs: number): { readonly sync: string; readonly dueAt: number }[];
  /** Called by the loader with a batch about to be loaded: matching events go to the outbox. */
  beforeLoad(batch: LoadBatch): Promise<void>;
  /** A forwarding rule was approved: its outbox drains now rather than at the next look. */
  forwardingApproved(): void;
  close(): Promise<void>;
}

/** Adapts the server's `log(msg, fields)` to the destinations' Logger port. */
export function loggerFrom(log: (msg: string, fields?: Record<string, unknown>) => void): Logger {
  return {
    debug: () => undefined,
    info: (m, f) => log(m, f),
    warn: (m, f) => log(m, f),
    error: (m, f) => log(m, f),
  };
}

export async function startActivation(o: ActivationOptions): Promise<Activation> {
  const clock = o.clock ?? systemClock;
  const fetch = o.fetch ?? (globalThis.fetch as unknown as FetchLike);
  const logger = loggerFrom(o.log ?? (() => undefined));
  const gates = createRateGates(clock);
  // Ended runs go to the scheduler (`after` chains) and to whatever else listens (alerts, metrics).
  const listeners: ((run: RunRecord) => void)[] = o.onRunEnded ? [o.onRunEnded] : [];
  const suppressed = o.suppressed ? { suppressed: o.suppressed } : {};
  const syncs = createSyncEngine({
    config: o.config, warehouse: o.warehouse, fetch, clock, gates, logger, ...(o.auth ? { auth: o.auth } : {}), ...suppressed,
    onRunEnded: (run) => listeners.forEach((l) => l(run)),
  });
  // Scheduled runs go through the approvals' gate like runs a person asks for.
  const gate = o.scheduledGate;
  const scheduled: SyncEngine = gate ? { ...syncs, run: (name, ro = {}) => syncs.run(name, { gate, ...ro }) } : syncs;
  const scheduler = o.schedule === false ? null : createScheduler({ syncs: o.config.syncs, engine: scheduled, clock, logger });
  if (scheduler) listeners.push(scheduler.runEnded);
  // Forwarding runs where events are loaded; a one-off CLI sync does not drain outboxes.
  const forwarder =
    o.forward === false || Object.keys(o.config.forwarding.rules).length === 0
      ? null
      : await startForwarder({ config: o.config, warehouse: o.warehouse, store: syncs.store, dataDir: o.dataDir, fetch, clock, gates, logger, ...(o.auth ? { auth: o.auth } : {}), ...suppressed, ...(o.forwardingApproval ? { approval: o.forwardingApproval } : {}) });
  await scheduler?.start();
  return {
    syncs,
    forwardingStatus: () => forwarder?.status() ?? { rules: [] },
    onRunEnded: (listener) => void listeners.push(listener),
    overdue: (graceMs) => scheduler?.overdue(graceMs) ?? [],
    beforeLoad: (batch) => forwarder?.beforeLoad(batch) ?? Promise.resolve(),
    forwardingApproved: () => forwarder?.wake(),
    async close() {
      await scheduler?.stop();
      await syncs.close();
      await scheduler?.idle();
      await forwarder?.close();
    },
  };
}
