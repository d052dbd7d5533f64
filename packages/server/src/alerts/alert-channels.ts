import type { Clock, FetchLike } from '@touchline/destinations';
import type { Alert } from './alert-rules.js';
import { alertText, webhookPayload } from './alert-text.js';
import { resolveSecret, type SecretSources } from './secret-ref.js';

/** One place an alert goes: a named webhook or an e-mail route. */
export interface AlertChannel {
  /** `webhook:<name>` or `email:<addresses>`: never the URL (a secret). */
  readonly name: string;
  send(a: Alert, held: number): Promise<void>;
}

/** Sends one mail (nodemailer's `sendMail` in the server). */
export type SendMail = (m: { from: string; to: string[]; subject: string; text: string }) => Promise<void>;

export interface ChannelPorts {
  readonly fetch: FetchLike;
  readonly clock: Clock;
  readonly sleep: (ms: number) => Promise<void>;
  readonly secrets: SecretSources;
  /** Attempts per delivery, the first included. @defaultValue 4 */
  readonly attempts?: number;
  /** The first retry's wait; doubled each time. @defaultValue 1000 */
  readonly baseDelayMs?: number;
}

/** A delivery that did not go, after every retry. Its message names the channel, never a secret. */
export class AlertDeliveryError extends Error {
  override readonly name = 'AlertDeliveryError';
}

/** Runs `attempt` until it succeeds, says stop, or attempts run out; backoff doubles from `baseDelayMs`. */
async function withRetries(p: ChannelPorts, attempt: () => Promise<'ok' | 'retry' | { stop: string }>, name: string): Promise<void> {
  const attempts = p.attempts ?? 4;
  let last = '';
  for (let i = 0; i < attempts; i++) {
    if (i > 0) await p.sleep((p.baseDelayMs ?? 1000) * 2 ** (i - 1));
    let r: Awaited<ReturnType<typeof attempt>>;
    try {
      r = await attempt();
    } catch (err) {
      // The network or the server failed this attempt: worth another.
      last = err instanceof Error ? err.message : String(err);
      continue;
    }
    if (r === 'ok') return;
    if (r !== 'retry') throw new AlertDeliveryError(`${name}: ${r.stop}`);
    last = 'the receiver answered with a temporary failure';
  }
  throw new AlertDeliveryError(`${name}: not delivered after ${attempts} attempts (${last})`);
}

/** A Slack-compatible webhook; the URL is resolved from its reference at each delivery. */
export function webhookChannel(name: string, urlRef: string, p: ChannelPorts): AlertChannel {
  const channel = `webhook:${name}`;
  return {
    name: channel,
    async send(a, held) {
      const url = resolveSecret(urlRef, p.secrets);
      const body = JSON.stringify(webhookPayload(a, held));
      await withRetries(
        p,
        async () => {
          const res = await p.fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
          if (res.status >= 200 && res.status < 300) return 'ok';
          if (res.status === 429 || res.status >= 500) return 'retry';
          return { stop: `the receiver refused the alert (HTTP ${res.status})` };
        },
        channel,
      ).catch((err: unknown) => {
        // A fetch error can quote the URL: the channel's name stands for it.
        throw new AlertDeliveryError(String(err instanceof Error ? err.message : err).split(url).join(`<${channel} URL>`));
      });
    },
  };
}

/** Mails an alert to `to` through `sendMail` (one SMTP server for every e-mail route). */
export function emailChannel(to: readonly string[], from: string, sendMail: SendMail, p: ChannelPorts): AlertChannel {
  const name = `email:${to.join(',')}`;
  return {
    name,
    async send(a, held) {
      const mail = { from, to: [...to], subject: `[Touchline] ${a.title}`, text: alertText(a, held) };
      await withRetries(p, async () => (await sendMail(mail), 'ok'), name);
    },
  };
}
