import { silentLogger, type Clock, type FetchLike, type Logger } from '@touchline/destinations';
import { join } from 'node:path';
import type { LoadBatch, Warehouse } from '../../warehouse/warehouse.js';
import { activationJunkIds, type ActivationConfig, type ForwardingRule } from '../config/activation-config.js';
import { createDelivery, type Delivery, type RowOutcome } from '../engine/delivery.js';
import type { RateGates } from '../engine/rate-gate.js';
import { resolveAccount, type ResolvedAccount } from '../engine/resolve-sync.js';
import { resultRecord } from '../engine/run-checkpoint.js';
import type { SyncStore } from '../store/sync-store.js';
import { enrichBatch } from './enrich.js';
import { forwardRow } from './forward-row.js';
import { openOutbox, type Outbox } from './outbox.js';

export interface ForwarderOptions {
  readonly config: ActivationConfig;
  readonly warehouse: Warehouse;
  readonly store: SyncStore;
  /** Outboxes live in `<dataDir>/outbox/<rule>/`. */
  readonly dataDir: string;
  readonly fetch: FetchLike;
  readonly clock: Clock;
  readonly gates: RateGates;
  readonly logger?: Logger;
  /** Entries read from an outbox at a time. @defaultValue 500 */
  readonly readBatch?: number;
}

interface Tag {
  readonly pos: number;
}

interface RuleState {
  readonly name: string;
  readonly rule: ForwardingRule;
  readonly events: ReadonlySet<string>;
  readonly account: ResolvedAccount;
  readonly outbox: Outbox;
  readonly delivery: Delivery<Tag>;
  delivered: number;
  rejected: number;
}

/** `forward:<rule>`: the sync name forwarding results are recorded under in `sync_row_results`. */
export const forwardName = (rule: string) => `forward:${rule}`;

/**
 * Real-time forwarding: events matching a rule are appended to that rule's durable outbox by the
 * loader, before the batch is loaded (the spool still holds them, so a crash cannot lose one), and
 * a loop per rule drains the outbox through the same delivery code as syncs. An entry leaves the
 * outbox only when the destination acknowledged it; entries in flight at a crash are sent again
 * with the same dedup key (the event's message id: Meta `event_id`, Google `transactionId` when
 * the event has no order id), so the vendor counts each event once. Retries never give up: the
 * outbox waits out an outage of any length.
 */
export async function startForwarder(o: ForwarderOptions) {
  const log = o.logger ?? silentLogger;
  const readBatch = o.readBatch ?? 500;
  const rules: RuleState[] = [];
  let running = true;

  for (const [name, rule] of Object.entries(o.config.forwarding.rules)) {
    const account = resolveAccount(o.config, rule.destination, `forwarding.rules.${name}.destination`);
    const outbox = await openOutbox({ dir: join(o.dataDir, 'outbox', name) });
    const state: RuleState = {
      name,
      rule,
      events: new Set(rule.events),
      account,
      outbox,
      delivered: 0,
      rejected: 0,
      delivery: createDelivery<Tag>({
        destination: account.destination,
        config: account.config,
        fetch: o.fetch,
        clock: o.clock,
        gate: o.gates.for(account.gateKey, account.rate),
        retry: { maxAttempts: Number.MAX_SAFE_INTEGER, baseDelayMs: o.config.forwarding.retry.baseDelayMs, maxDelayMs: o.config.forwarding.retry.maxDelayMs },
        concurrency: 2,
        logger: log,
        maxQueuedRows: readBatch * 2,
        onOutcomes: (outcomes) => settle(state, outcomes),
      }),
    };
    rules.push(state);
  }

  async function settle(state: RuleState, outcomes: readonly RowOutcome<Tag>[]): Promise<void> {
    const now = o.clock.now();
    const where = { runId: 'forward', syncName: forwardName(state.name) };
    const results = outcomes.map((x) => resultRecord(where, x, now));
    if (results.length > 0) await o.store.checkpoint({ syncName: forwardName(state.name), runId: 'forward', results, states: [], removals: [] });
    const done = outcomes.filter((x) => x.final === 'delivered' || x.final === 'rejected');
    state.delivered += done.filter((x) => x.final === 'delivered').length;
    state.rejected += done.filter((x) => x.final === 'rejected').length;
    if (done.length > 0) await state.outbox.ack(done.map((x) => x.row.tag.pos));
  }

  async function drain(state: RuleState): Promise<void> {
    let next = 0;
    while (running) {
      const batch = state.outbox.read(next, readBatch);
      if (batch.length === 0) {
        await state.outbox.waitForAppend(500);
        continue;
      }
      try {
        const factsOf = state.rule.enrich ? await enrichBatch(o.warehouse, batch.map((e) => e.row), activationJunkIds(o.config)) : () => undefined;
        await state.delivery.push(
          batch.map((e) => ({ key: e.id, op: 'forward' as const, row: forwardRow(e.row, factsOf(e.row), state.rule.mapping), tag: { pos: e.pos } })),
        );
        next = batch[batch.length - 1]!.pos + 1;
      } catch (error) {
        log.warn('forwarding: could not prepare events; retrying', { rule: state.name, error: error instanceof Error ? error.message : String(error) });
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  const loops = rules.map((r) => drain(r));

  return {
    /** The loader's hook: matching track events of the batch go to their rules' outboxes. */
    async beforeLoad(batch: LoadBatch): Promise<void> {
      if (rules.length === 0) return;
      const matches = new Map<RuleState, { id: string; row: Record<string, unknown> }[]>();
      for await (const chunk of batch.rows()) {
        for (const line of chunk) {
          if (!line.includes('"type":"track"')) continue;
          let row: Record<string, unknown>;
          try {
            row = JSON.parse(line) as Record<string, unknown>;
          } catch {
            continue;
          }
          if (row['kind'] !== 'event' || row['type'] !== 'track') continue;
          for (const r of rules) {
            if (!r.events.has(String(row['event']))) continue;
            const list = matches.get(r) ?? [];
            list.push({ id: `${String(row['source_id'])}:${String(row['message_id'])}`, row });
            matches.set(r, list);
          }
        }
      }
      for (const [r, items] of matches) await r.outbox.append(items);
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
        })),
      };
    },
    async close(): Promise<void> {
      running = false;
      for (const r of rules) r.delivery.stop('shutting down');
      await Promise.all(rules.map((r) => r.delivery.finish()));
      await Promise.all(loops);
    },
  };
}
export type Forwarder = Awaited<ReturnType<typeof startForwarder>>;
