import { silentLogger, type Logger } from '@touchline/destinations';
import type { RunRecord } from '../activation/store/records.js';
import { emailChannel, webhookChannel, type AlertChannel, type ChannelPorts, type SendMail } from './alert-channels.js';
import { createDedupe } from './alert-dedupe.js';
import { alertForOverdue, alertForRun, type Alert } from './alert-rules.js';
import type { AlertKind, AlertsConfig } from './alerts-config.js';

export interface AlerterOptions extends ChannelPorts {
  readonly config: AlertsConfig;
  /** Sends mail (`smtpSendMail` in the server); required when routes mail. */
  readonly sendMail?: SendMail;
  readonly logger?: Logger;
}

/** What `touchline status` shows of alerts. */
export interface AlertStatus {
  readonly sent: number;
  /** Held back by the dedupe rule. */
  readonly held: number;
  readonly last: { readonly kind: AlertKind; readonly sync: string; readonly title: string; readonly at: string; readonly channels: readonly string[] } | null;
  /** The latest deliveries that failed after every retry (at most 10, newest last). */
  readonly failures: readonly { readonly channel: string; readonly at: string; readonly error: string }[];
}

interface Route {
  readonly syncs: ReadonlySet<string> | null;
  readonly kinds: ReadonlySet<AlertKind> | null;
  readonly channels: readonly AlertChannel[];
}

function routesOf(o: AlerterOptions): Route[] {
  return o.config.routes.map((r) => {
    const channels: AlertChannel[] = [];
    if (r.webhook !== undefined) channels.push(webhookChannel(r.webhook, o.config.webhooks[r.webhook]!.url, o));
    if (r.email !== undefined && o.config.email && o.sendMail) channels.push(emailChannel(r.email, o.config.email.from, o.sendMail, o));
    return { syncs: r.syncs ? new Set(r.syncs) : null, kinds: r.on ? new Set(r.on) : null, channels };
  });
}

/**
 * Alerts for sync runs: hears every ended run (the engine's `onRunEnded`) and the scheduler's
 * overdue syncs, words an alert (alert-rules.ts: no personal data, no secret), applies the
 * dedupe rule, and sends it to every channel its routes name, each retried with backoff. A
 * delivery that fails after every retry is logged and kept for `status`; it never affects a run.
 */
export function createAlerter(o: AlerterOptions) {
  const log = o.logger ?? silentLogger;
  const routes = routesOf(o);
  const dedupe = createDedupe(o.config.dedupeMinutes * 60_000);
  const state: { sent: number; held: number; last: AlertStatus['last']; failures: AlertStatus['failures'][number][] } = { sent: 0, held: 0, last: null, failures: [] };

  async function deliver(a: Alert, dueKey = ''): Promise<void> {
    const channels = [...new Set(routes.filter((r) => (!r.syncs || r.syncs.has(a.sync)) && (!r.kinds || r.kinds.has(a.kind))).flatMap((r) => r.channels))];
    if (channels.length === 0) return;
    const d = dedupe.admit(a, dueKey);
    if (!d.send) {
      state.held++;
      return;
    }
    state.sent++;
    state.last = { kind: a.kind, sync: a.sync, title: a.title, at: new Date(a.at).toISOString(), channels: channels.map((c) => c.name) };
    await Promise.all(
      channels.map((c) =>
        c.send(a, d.held).catch((err: unknown) => {
          const error = err instanceof Error ? err.message : String(err);
          log.error('alert not delivered', { channel: c.name, kind: a.kind, sync: a.sync, error });
          state.failures = [...state.failures, { channel: c.name, at: new Date(o.clock.now()).toISOString(), error }].slice(-10);
        }),
      ),
    );
  }

  return {
    /** The engine's `onRunEnded`: alerts a failed or partially failed run; a success ends the sync's dedupe window. */
    runEnded(run: RunRecord): Promise<void> {
      if (run.kind === 'run' && run.status === 'succeeded') dedupe.recovered(run.syncName);
      const a = alertForRun(run, o.clock.now());
      return a ? deliver(a) : Promise.resolve();
    },
    /** Alerts the timed syncs the scheduler reports overdue (`scheduler.overdue(grace)`). */
    async overdue(list: readonly { readonly sync: string; readonly dueAt: number }[]): Promise<void> {
      for (const d of list) await deliver(alertForOverdue(d.sync, d.dueAt, o.clock.now()), String(d.dueAt));
    },
    /** The grace period the scheduler's overdue list is asked with. */
    graceMs: o.config.overdueGraceMinutes * 60_000,
    status: (): AlertStatus => ({ sent: state.sent, held: state.held, last: state.last, failures: [...state.failures] }),
  };
}
export type Alerter = ReturnType<typeof createAlerter>;
