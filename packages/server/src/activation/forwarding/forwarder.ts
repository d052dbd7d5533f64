import { silentLogger, type AccessTokenProvider, type FetchLike, type Logger, type Row } from '@touchline/destinations';
import { join } from 'node:path';
import type { Clock } from '../../clock/clock.js';
import type { LoadBatch, Warehouse } from '../../warehouse/warehouse.js';
import { activationJunkIds, excludedSources, type ActivationConfig, type ForwardingRule } from '../config/activation-config.js';
import { createDelivery, type Delivery, type RowOutcome } from '../engine/delivery.js';
import { errorText } from '../engine/engine-context.js';
import { createNotifier } from '../engine/notifier.js';
import type { RateGates } from '../engine/rate-gate.js';
import { resolveAccount, type ResolvedAccount } from '../engine/resolve-sync.js';
import { resultRecord } from '../engine/run-checkpoint.js';
import type { SyncStore } from '../store/sync-store.js';
import { enrichBatch } from './enrich.js';
import { forwardRow } from './forward-row.js';
import { openOutbox, type Outbox, type OutboxEntry } from './outbox.js';

/**
 * Whether a rule may forward now (decided by src/approvals/forwarding-rules.ts): while
 * `awaiting_approval` or `rejected`, its events wait in its outbox.
 */
export type RuleApproval = 'not_required' | 'approved' | 'awaiting_approval' | 'rejected';

export interface ForwarderOptions {
  readonly config: ActivationConfig;
  readonly warehouse: Warehouse;
  readonly store: SyncStore;
  /** Outboxes live in `<dataDir>/outbox/<rule>/`. */
  readonly dataDir: string;
  readonly fetch: FetchLike;
  readonly clock: Clock;
  /** The token provider of a connected destination account (src/connections/). */
  readonly auth?: (destination: string) => AccessTokenProvider | undefined;
  readonly gates: RateGates;
  readonly logger?: Logger;
  /** Entries read from an outbox at a time. @defaultValue 500 */
  readonly readBatch?: number;
  /** Events of persons a privacy request removed (src/privacy/): never forwarded. @defaultValue none */
  readonly suppressed?: (row: Row) => boolean;
  /**
   * Whether a rule may forward now (src/approvals/forwarding-rules.ts): while it may not, its
   * events stay in its outbox. @defaultValue every rule may
   */
  readonly approval?: (rule: string) => RuleApproval;
}

interface Tag {
  readonly pos: number;
}

/** A forwarding rule's one mutable state. */
interface RuleState {
  readonly name: string;
  readonly rule: ForwardingRule;
  readonly events: ReadonlySet<string>;
  /** Sources whose events this rule never forwards (test sources, to a production destination). */
  readonly excluded: ReadonlySet<string>;
  readonly account: ResolvedAccount;
  readonly outbox: Outbox;
  delivery: Delivery<Tag>;
  /** Outbox position the drain reads from next. */
  next: number;
  delivered: number;
  rejected: number;
  /** Why the rule's delivery stopped (credentials, a lost checkpoint) and when; null while it flows. */
  error: { readonly reason: string; readonly at: string } | null;
  restarts: number;
}

/** `forward:<rule>`: the sync name forwarding results are recorded under in `sync_row_results`. */
export const forwardName = (rule: string) => `forward:${rule}`;

/** Records a rule's outcomes and acknowledges the final ones in its outbox. */
async function settle(o: ForwarderOptions, state: RuleState, outcomes: readonly RowOutcome<Tag>[]): Promise<void> {
  const where = { runId: 'forward', syncName: forwardName(state.name) };
  const results = outcomes.map((x) => resultRecord(where, x, o.clock.now()));
  if (results.length > 0) await o.store.checkpoint({ syncName: where.syncName, runId: 'forward', results, states: [], removals: [] });
  const done = outcomes.filter((x) => x.final === 'delivered' || x.final === 'rejected');
  state.delivered += done.filter((x) => x.final === 'delivered').length;
  state.rejected += done.filter((x) => x.final === 'rejected').length;
  if (state.error && done.some((x) => x.final === 'delivered')) state.error = null;
  if (done.length > 0) await state.outbox.ack(done.map((x) => x.row.tag.pos));
}

/** A rule's delivery: retries never give up (the outbox waits out an outage of any length). */
function ruleDelivery(o: ForwarderOptions, state: Pick<RuleState, 'account'>, onOutcomes: (x: readonly RowOutcome<Tag>[]) => Promise<void>): Delivery<Tag> {
  const retry = o.config.forwarding.retry;
  return createDelivery<Tag>({
    destination: state.account.destination,
    config: state.account.config,
    fetch: o.fetch,
    clock: o.clock,
    ...(o.auth?.(state.account.name) ? { auth: o.auth(state.account.name)! } : {}),
    gate: o.gates.for(state.account.gateKey, state.account.rate),
    retry: { maxAttempts: Number.MAX_SAFE_INTEGER, baseDelayMs: retry.baseDelayMs, maxDelayMs: retry.maxDelayMs },
    concurrency: 2,
    logger: o.logger ?? silentLogger,
    maxQueuedRows: (o.readBatch ?? 500) * 2,
    ...(o.suppressed ? { suppressed: o.suppressed } : {}),
    onOutcomes,
  });
}

async function openRule(o: ForwarderOptions, name: string, rule: ForwardingRule): Promise<RuleState> {
  const account = resolveAccount(o.config, rule.destination, `forwarding.rules.${name}.destination`);
  const outbox = await openOutbox({ dir: join(o.dataDir, 'outbox', name), clock: o.clock });
  const state: RuleState = {
    name, rule, events: new Set(rule.events), excluded: new Set(excludedSources(o.config, rule.destination, rule.allowTestSources)), account, outbox, next: 0, delivered: 0, rejected: 0, error: null, restarts: 0,
    delivery: ruleDelivery(o, { account }, (x) => settle(o, state, x)),
  };
  return state;
}

/** The destination rows of outbox entries, enriched with what the warehouse knows when asked. */
async function prepare(o: ForwarderOptions, state: RuleState, batch: readonly OutboxEntry[]) {
  const factsOf = state.rule.enrich ? await enrichBatch(o.warehouse, batch.map((e) => e.row), activationJunkIds(o.config)) : () => undefined;
  return batch.map((e) => ({ key: e.id, op: 'forward' as const, row: forwardRow(e.row, factsOf(e.row), state.rule.mapping), tag: { pos: e.pos } }));
}

/**
 * A rule's delivery stopped on its own (credentials refused, results not recorded): said in the
 * log and in status, then, after the longest backoff, a new delivery takes the outbox again from
 * its first unacknowledged entry (entries in flight go again with the same dedup key).
 */
async function restart(o: ForwarderOptions, state: RuleState, reason: string, wait: Wait): Promise<void> {
  state.error = { reason, at: new Date(o.clock.now()).toISOString() };
  (o.logger ?? silentLogger).error('forwarding stopped; restarting after a wait', { rule: state.name, error: reason });
  // Requests still in flight finish and are recorded before the outbox is read again.
  await state.delivery.finish();
  await wait(o.config.forwarding.retry.maxDelayMs);
  state.delivery = ruleDelivery(o, state, (x) => settle(o, state, x));
  state.next = 0;
  state.restarts++;
}

/** Waits up to `ms`; ends early when the forwarder closes. */
type Wait = (ms: number) => Promise<void>;

/** How often a rule waiting for approval looks again (an approval also wakes it at once). */
const GATE_RECHECK_MS = 5_000;

const mayForward = (o: ForwarderOptions, rule: string): boolean => {
  const a = o.approval?.(rule) ?? 'not_required';
  return a === 'approved' || a === 'not_required';
};

async function drain(o: ForwarderOptions, state: RuleState, running: () => boolean, wait: Wait): Promise<void> {
  const readBatch = o.readBatch ?? 500;
  while (running()) {
    if (!mayForward(o, state.name)) {
      // Held, not dropped: the outbox keeps what arrives until the rule is approved (wake()).
      await wait(GATE_RECHECK_MS);
      continue;
    }
    const end = state.delivery.ended();
    if (end?.kind === 'fatal') {
      await restart(o, state, end.reason, wait);
      continue;
    }
    const batch = state.outbox.read(state.next, readBatch);
    if (batch.length === 0) {
      await state.outbox.waitForAppend(500);
      continue;
    }
    try {
      await state.delivery.push(await prepare(o, state, batch));
      state.next = batch[batch.length - 1]!.pos + 1;
    } catch (error) {
      // The warehouse lookup failed: nothing was pushed; the same entries are read again.
      (o.logger ?? silentLogger).warn('forwarding: could not prepare events; retrying', { rule: state.name, error: errorText(error) });
      await wait(1000);
    }
  }
}

/** Track events of a loader batch that match each rule, as outbox items. */
async function matchBatch(rules: readonly RuleState[], batch: LoadBatch) {
  const matches = new Map<RuleState, { id: string; row: Record<string, unknown> }[]>();
  for await (const chunk of batch.rows()) {
    for (const line of chunk) {
      if (!line.includes('"type":"track"')) continue;
      let row: Record<string, unknown>;
      try {
        row = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue; // the loader validates spooled lines; one it cannot parse is not ours to forward
      }
      if (row['kind'] !== 'event' || row['type'] !== 'track') continue;
      for (const r of rules) {
        if (!r.events.has(String(row['event'])) || r.excluded.has(String(row['source_id']))) continue;
        const list = matches.get(r) ?? [];
        list.push({ id: `${String(row['source_id'])}:${String(row['message_id'])}`, row });
        matches.set(r, list);
      }
    }
  }
  return matches;
}

/**
 * Real-time forwarding: events matching a rule are appended to that rule's durable outbox by the
 * loader, before the batch is loaded (the spool still holds them, so a crash cannot lose one), and
 * a loop per rule drains the outbox through the same delivery code as syncs. An entry leaves the
 * outbox only when the destination acknowledged it; entries in flight at a crash are sent again
 * with the same dedup key (the event's message id: Meta `event_id`, Google `transactionId` when
 * the event has no order id), so the vendor counts each event once. Retries never give up: the
 * outbox waits out an outage of any length, and a delivery stopped by refused credentials is
 * restarted (its reason in `status().rules[].error` meanwhile).
 */
export async function startForwarder(o: ForwarderOptions) {
  const rules: RuleState[] = [];
  for (const [name, rule] of Object.entries(o.config.forwarding.rules)) rules.push(await openRule(o, name, rule));
  let running = true;
  const closing = createNotifier(o.clock);
  const loops = rules.map((r) => drain(o, r, () => running, (ms) => closing.wait(ms)));

  return {
    /** The loader's hook: matching track events of the batch go to their rules' outboxes. */
    async beforeLoad(batch: LoadBatch): Promise<void> {
      if (rules.length === 0) return;
      for (const [r, items] of await matchBatch(rules, batch)) await r.outbox.append(items);
    },
    status() {
      return {
        rules: rules.map((r) => ({
          name: r.name,
          destination: r.account.name,
          type: r.account.account.type,
          events: [...r.events],
          pending: r.outbox.pending(),
          delivered: r.delivered,
          rejected: r.rejected,
          retrying: r.delivery.stats().retrying,
          error: r.error,
          restarts: r.restarts,
          approval: o.approval?.(r.name) ?? 'not_required',
        })),
      };
    },
    /** A rule was approved: the drains waiting for one look again now. */
    wake(): void {
      closing.notify();
    },
    async close(): Promise<void> {
      running = false;
      closing.notify();
      // A drain waiting for the next append looks at `running` now, not when its wait runs out.
      for (const r of rules) r.outbox.wake();
      for (const r of rules) r.delivery.stop('shutting down');
      await Promise.all(rules.map((r) => r.delivery.finish()));
      await Promise.all(loops);
    },
  };
}
export type Forwarder = Awaited<ReturnType<typeof startForwarder>>;
