import { readFileSync } from 'node:fs';
import type { FetchLike, Logger } from '@touchline/destinations';
import type { Clock } from '../clock/clock.js';
import type { RunRecord } from '../activation/store/records.js';
import { createAlerter, type AlertStatus } from './alerter.js';
import type { AlertsConfig } from './alerts-config.js';
import { smtpSendMail } from './smtp-mail.js';
import type { SecretSources } from './secret-ref.js';

/** What alerts listen to: ended runs, and the scheduler's overdue syncs. */
export interface AlertSource {
  onRunEnded(listener: (run: RunRecord) => void): void;
  overdue(graceMs: number): readonly { readonly sync: string; readonly dueAt: number }[];
}

export interface StartAlertsOptions {
  readonly config: AlertsConfig;
  readonly source: AlertSource;
  readonly fetch: FetchLike;
  /** Time, and the timer that looks for overdue syncs. */
  readonly clock: Clock;
  readonly logger: Logger;
  /** @defaultValue the process environment and the file system */
  readonly secrets?: SecretSources;
  /** How often overdue syncs are looked for. @defaultValue 60 s */
  readonly overdueEveryMs?: number;
}

// An alert's retry waits on a timer that keeps the process alive (unlike the clock's unref'd
// timers): a one-off `touchline sync run` closes only once its alerts are delivered or given up.
const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Alerts in a running Touchline (or a one-off `touchline sync run`): wired to the activation's
 * ended runs and, every minute, to its overdue syncs. Nothing is started without routes.
 */
export function startAlerts(o: StartAlertsOptions): { status(): AlertStatus; close(): Promise<void> } {
  const secrets = o.secrets ?? { env: process.env, readFile: (p) => readFileSync(p, 'utf8') };
  const sendMail = o.config.email ? { sendMail: smtpSendMail(o.config.email, secrets) } : {};
  const alerter = createAlerter({ config: o.config, fetch: o.fetch, clock: o.clock, sleep: realSleep, secrets, logger: o.logger, ...sendMail });
  if (o.config.routes.length === 0) return { status: alerter.status, close: async () => undefined };
  // Deliveries in flight, so that closing (a one-off CLI run ends) waits for them. Their failures
  // are logged and kept in status by the alerter: these promises never reject.
  const pending = new Set<Promise<void>>();
  const track = (p: Promise<void>) => {
    const q = p.finally(() => pending.delete(q));
    pending.add(q);
  };
  o.source.onRunEnded((run) => track(alerter.runEnded(run)));
  const stopOverdue = o.clock.every(o.overdueEveryMs ?? 60_000, () => track(alerter.overdue(o.source.overdue(alerter.graceMs))));
  return {
    status: alerter.status,
    async close() {
      stopOverdue();
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}
