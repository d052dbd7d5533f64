import { silentLogger, type FetchLike } from '@touchline/destinations';
import { startHubspotStandIn, type HubspotStandIn } from '@touchline/destinations/testing';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createScheduler } from '../../src/activation/engine/scheduler.js';
import type { RunRecord } from '../../src/activation/store/records.js';
import { createAlerter } from '../../src/alerts/alerter.js';
import { alertForRun, redact } from '../../src/alerts/alert-rules.js';
import { AlertsSchema, type AlertsConfig } from '../../src/alerts/alerts-config.js';
import { smtpSendMail } from '../../src/alerts/smtp-mail.js';
import { activationConfig, duckWarehouse, manualClock, testEngine, type TestWarehouse } from '../activation/support.js';

const HOOK_SECRET_PATH = '/services/T000/B000/XXXXsecretXXXX';

/**
 * A Slack incoming-webhook receiver following Slack's published contract
 * (api.slack.com/messaging/webhooks): POST JSON with `text` (and optional `blocks`), answered
 * `200 ok`; a body without `text` or `blocks` is `400 invalid_payload`. Answers on cue otherwise.
 */
function startSlackStandIn() {
  const received: { path: string; body: { text?: string; blocks?: unknown[] } }[] = [];
  const cue: number[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      const status = cue.shift();
      if (status !== undefined && status !== 200) {
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 429 ? 'rate_limited' : 'invalid_token');
        return;
      }
      let body: { text?: string; blocks?: unknown[] };
      try {
        body = JSON.parse(raw) as typeof body;
      } catch {
        res.writeHead(400).end('invalid_payload');
        return;
      }
      if (req.method !== 'POST' || req.headers['content-type'] !== 'application/json' || (typeof body.text !== 'string' && !Array.isArray(body.blocks))) {
        res.writeHead(400).end('invalid_payload');
        return;
      }
      received.push({ path: req.url ?? '', body });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  return {
    received,
    cue: (...statuses: number[]) => void cue.push(...statuses),
    listen: () => new Promise<string>((r) => server.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(server.address() as AddressInfo).port}${HOOK_SECRET_PATH}`))),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A real SMTP server in process (smtp-server), keeping every message it receives. */
async function startSmtp() {
  const mails: { from: string; to: string[]; data: string; user: string | undefined }[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    authOptional: false,
    onAuth(auth, _session, cb) {
      if (auth.username === 'alerts' && auth.password === 'smtp-pass-from-env') cb(null, { user: auth.username });
      else cb(new Error('Invalid username or password'));
    },
    onData(stream, session, cb) {
      let data = '';
      stream.on('data', (c: Buffer) => (data += c.toString('utf8')));
      stream.on('end', () => {
        mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), data, user: session.user });
        cb();
      });
    },
  });
  const port = await new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.server.address() as AddressInfo).port)));
  return { mails, port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('alert wording', () => {
  it('takes e-mails, phone numbers, tokens and URL paths out of a quoted error', () => {
    const error =
      'HubSpot said: contact Ada.Lovelace+ads@Example.co.uk (tel +44 20 7946 0958) is invalid; Authorization: Bearer pat-na1-0b3f9c2e-1111; ' +
      'token EAAGm0PX4ZCpsBAKZCZBmZBZC7ZBzZAZCZBZAZCZBZAZC7ZBzZA in https://hooks.example.com/services/T0/B0?key=s3cr3t&x=1 and 1234567890123';
    expect(redact(error)).toBe(
      'HubSpot said: contact [e-mail] (tel [number]) is invalid; Authorization: Bearer [secret] token [secret] in https://hooks.example.com/[path] and [number]',
    );
    const run = { runId: 'run_1', syncName: 's', kind: 'run', status: 'failed', trigger: 'schedule', destination: 'hs', delivered: 0, rejected: 0, failed: 2, error } as RunRecord;
    const a = alertForRun(run, 0)!;
    expect(a.kind).toBe('run_failed');
    expect(JSON.stringify(a)).not.toMatch(/lovelace|7946|pat-na1|s3cr3t|EAAG/i);
    // Test runs, successes and pauses alert nobody.
    expect(alertForRun({ ...run, kind: 'test' }, 0)).toBeNull();
    expect(alertForRun({ ...run, status: 'succeeded' }, 0)).toBeNull();
    expect(alertForRun({ ...run, status: 'paused' }, 0)).toBeNull();
  });
});

describe('alerts: each trigger, each channel, dedupe, retries, and nothing personal or secret', () => {
  let w: TestWarehouse;
  let hubspot: HubspotStandIn;
  const slack = startSlackStandIn();
  let hookUrl: string;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  const env: Record<string, string> = {};
  const waits: number[] = [];

  beforeAll(async () => {
    w = await duckWarehouse();
    hubspot = await startHubspotStandIn();
    hookUrl = await slack.listen();
    smtp = await startSmtp();
    env['SLACK_URL'] = hookUrl;
    env['SMTP_PASSWORD'] = 'smtp-pass-from-env';
    // One row HubSpot refuses: a text for a number property, with an e-mail address in it.
    await w.exec(`CREATE TABLE usage AS SELECT 'p' || i || '@example.com' AS email, CAST(i AS VARCHAR) AS n FROM range(3) r(i)
      UNION ALL SELECT 'ada@example.com', 'call ada.lovelace@example.org or +44 20 7946 0958'`);
  });
  afterAll(async () => {
    await hubspot.close();
    await slack.close();
    await smtp.close();
    await w.dispose();
  });
  beforeEach(async () => {
    slack.received.length = 0;
    smtp.mails.length = 0;
    waits.length = 0;
    await w.exec('DELETE FROM sync_state');
  });

  const alertsConfig = (over: Record<string, unknown> = {}): AlertsConfig =>
    AlertsSchema.parse({
      webhooks: { ops: { url: 'env:SLACK_URL' } },
      email: { smtp: { host: '127.0.0.1', port: smtp.port, user: 'alerts', password: 'env:SMTP_PASSWORD' }, from: 'touchline@example.com' },
      routes: [{ webhook: 'ops' }, { on: ['dead_token'], email: ['ads-team@example.com'] }],
      ...over,
    });
  const alerter = (config: AlertsConfig, clock = manualClock(Date.parse('2026-12-07T12:00:00Z'))) =>
    createAlerter({
      config, fetch: globalThis.fetch as unknown as FetchLike, clock, logger: silentLogger, sleep: async (ms) => void waits.push(ms),
      secrets: { env, readFile: () => { throw Object.assign(new Error('no files here'), { code: 'ENOENT' }); } },
      sendMail: smtpSendMail(config.email!, { env, readFile: () => '' }),
    });
  const hubspotConfig = (accessToken: string | null, schedule: unknown = 'manual') =>
    activationConfig({
      destinations: { hs: { type: 'hubspot', config: { endpoint: hubspot.url, ...(accessToken ? { accessToken } : {}), properties: { n: 'feature_x_uses' } } } },
      syncs: {
        usage: { destination: 'hs', source: { sql: 'SELECT * FROM usage' }, primaryKey: 'email', mode: 'upsert' },
        // Never run before the overdue test: its schedule counts from nothing.
        timed: { destination: 'hs', source: { sql: 'SELECT * FROM usage' }, primaryKey: 'email', mode: 'upsert', schedule },
        broken: { destination: 'hs', source: { sql: 'SELECT * FROM no_such_table' }, primaryKey: 'email', mode: 'upsert' },
      },
    });
  /** Runs a sync through a real engine, its ended runs handed to the alerter. */
  async function runWith(a: ReturnType<typeof alerter>, accessToken: string | null, sync = 'usage'): Promise<RunRecord> {
    const done: Promise<void>[] = [];
    const engine = testEngine(hubspotConfig(accessToken), w.warehouse, { onRunEnded: (r) => void done.push(a.runEnded(r)) });
    const run = await engine.run(sync);
    await engine.close();
    await Promise.all(done);
    return run;
  }
  const everything = () => JSON.stringify([slack.received, smtp.mails]);

  it('a partially failed run posts a Slack-compatible alert, with counts but no personal data', async () => {
    const a = alerter(alertsConfig());
    const run = await runWith(a, 'test-token');
    expect(run).toMatchObject({ status: 'partially_failed', delivered: 3, rejected: 1 });
    expect(slack.received).toHaveLength(1);
    const { path, body } = slack.received[0]!;
    expect(path).toBe(HOOK_SECRET_PATH);
    expect(body.text!.split('\n').slice(0, 3)).toEqual([
      'Sync usage: too many rows refused',
      `run ${run.runId} (api) to hs`,
      '3 delivered, 1 refused, 0 not delivered',
    ]);
    expect(body.blocks).toEqual([
      { type: 'header', text: { type: 'plain_text', text: 'Sync usage: too many rows refused' } },
      { type: 'section', text: { type: 'mrkdwn', text: expect.stringContaining('1 refused') } },
    ]);
    // Only the webhook route covers refusals: no mail.
    expect(smtp.mails).toHaveLength(0);
    expect(everything()).not.toMatch(/@example\.(com|org)|7946|lovelace/i);
    expect(a.status()).toMatchObject({ sent: 1, held: 0, failures: [], last: { kind: 'refusals', sync: 'usage', channels: ['webhook:ops'] } });
  });

  it('a failed run alerts; the same failure again within the window is held back; a success ends the window', async () => {
    const a = alerter(alertsConfig());
    const first = await runWith(a, 'test-token', 'broken');
    expect(first.status).toBe('failed');
    expect(slack.received.map((r) => r.body.text!.split('\n')[0])).toEqual(['Sync broken: run failed']);
    expect(slack.received[0]!.body.text).toContain('reason: ');
    await runWith(a, 'test-token', 'broken');
    expect(slack.received).toHaveLength(1);
    expect(a.status()).toMatchObject({ sent: 1, held: 1 });
    // A success of that sync ends its window: the next failure is told at once, with the count held.
    await a.runEnded({ ...first, status: 'succeeded', error: null, runId: 'run_ok' });
    await runWith(a, 'test-token', 'broken');
    expect(slack.received).toHaveLength(2);
  });

  it('a dead token mails the ads team over SMTP and posts to the webhook; the password comes from its reference', async () => {
    const a = alerter(alertsConfig());
    const run = await runWith(a, null);
    expect(run.status).toBe('failed');
    expect(slack.received.map((r) => r.body.text!.split('\n')[0])).toEqual(['Sync usage: the destination hs has no usable credentials']);
    expect(smtp.mails).toHaveLength(1);
    const mail = smtp.mails[0]!;
    expect(mail).toMatchObject({ from: 'touchline@example.com', to: ['ads-team@example.com'], user: 'alerts' });
    // Long headers are folded, long body lines soft-broken (quoted-printable): read them unfolded.
    const text = mail.data.replace(/\r?\n[ \t]+/g, ' ').replace(/=\r?\n/g, '');
    expect(text).toMatch(/^Subject: \[Touchline\] Sync usage: the destination hs has no usable credentials\r?$/m);
    expect(text).toContain('Reconnect the destination');
    expect(everything()).not.toContain('smtp-pass-from-env');
  });

  it('a sync not run on time alerts once per due time', async () => {
    const clock = manualClock(Date.parse('2026-12-07T12:01:00Z'));
    const cfg = hubspotConfig('test-token', { cron: '*/15 * * * *', timezone: 'UTC' });
    const engine = testEngine(cfg, w.warehouse, { clock });
    const scheduler = createScheduler({ syncs: cfg.syncs, engine, clock, logger: silentLogger, tickMs: 3_600_000 });
    await scheduler.start();
    const a = alerter(alertsConfig(), clock);
    clock.advance(14 * 60_000 + a.graceMs + 1);
    await a.overdue(scheduler.overdue(a.graceMs));
    await a.overdue(scheduler.overdue(a.graceMs));
    expect(slack.received.map((r) => r.body.text!.split('\n').slice(0, 2))).toEqual([['Sync timed: not run on time', 'due at 2026-12-07T12:15:00.000Z, 15 minute(s) ago']]);
    await scheduler.stop();
    await engine.close();
  });

  it('retries a webhook with backoff on 503 and 429; a refusal is not retried, and status names the channel, never the URL', async () => {
    const a = alerter(alertsConfig());
    slack.cue(503, 429);
    await runWith(a, 'test-token', 'broken');
    expect(slack.received).toHaveLength(1);
    expect(waits).toEqual([1000, 2000]);
    expect(a.status().failures).toEqual([]);

    const b = alerter(alertsConfig());
    slack.cue(403);
    await runWith(b, 'test-token', 'broken');
    expect(slack.received).toHaveLength(1);
    expect(b.status().failures).toEqual([{ channel: 'webhook:ops', at: '2026-12-07T12:00:00.000Z', error: 'webhook:ops: the receiver refused the alert (HTTP 403)' }]);

    // The receiver is gone: every attempt fails; the error names the channel, not the secret URL.
    const c = createAlerter({
      config: alertsConfig(), fetch: async (url) => { throw new Error(`connect ECONNREFUSED (${url})`); }, clock: manualClock(0), logger: silentLogger,
      sleep: async (ms) => void waits.push(ms), secrets: { env, readFile: () => '' },
    });
    await c.runEnded({ ...(await runWith(b, 'test-token', 'broken')), runId: 'run_x' });
    const failure = c.status().failures[0]!;
    expect(failure.error).toMatch(/^webhook:ops: not delivered after 4 attempts \(connect ECONNREFUSED \(<webhook:ops URL>\)\)$/);
    expect(JSON.stringify(c.status())).not.toContain(HOOK_SECRET_PATH);
  });

  it('refuses a literal webhook URL or SMTP password in the config, and a route to an unknown webhook', () => {
    expect(AlertsSchema.safeParse({ webhooks: { ops: { url: hookUrl } } }).success).toBe(false);
    expect(() => activationConfigWithAlerts({ routes: [{ webhook: 'nope' }] })).toThrow(/alerts\.routes\.0\.webhook: no webhook "nope" under alerts\.webhooks/);
    expect(() => activationConfigWithAlerts({ routes: [{ email: ['a@example.com'] }] })).toThrow(/mailing alerts needs alerts\.email/);
  });
});

import { resolveConfig } from '../../src/config/config.js';
function activationConfigWithAlerts(alerts: Record<string, unknown>) {
  return resolveConfig({ alerts }, {}, {});
}
