import { ConfigError, type Config } from '../../config/config.js';
import { maskSecret } from '../../data-dir/secrets.js';
import { revokedKeyAdvice } from '../../sources/default-source.js';
import { startTouchline, type Touchline } from '../../server.js';
import { liveServerFile, removeServerFile, writeServerFile, type ServerFile } from '../server-handle.js';
import { trackerSnippet } from '../../tracker-endpoint/tracker-snippet.js';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/** The credential lines: a secret in full only when this start generated it, else masked, with where it is. */
function credentialLines(t: Touchline): string[] {
  const w = t.credentials.writeKey;
  const writeKey =
    w.from === 'generated'
      ? `${t.writeKey}   (new: shown this once; \`touchline sources list\` shows it again)`
      : w.from === 'revoked'
        ? `${maskSecret(t.writeKey)}   REVOKED (see below)`
        : `${maskSecret(t.writeKey)}   (${w.from === 'configured' ? 'from writeKey / TOUCHLINE_WRITE_KEY' : `source "${w.name}": \`touchline sources list\``})`;
  const a = t.credentials.adminToken;
  const adminToken =
    a.from === 'generated'
      ? `${t.adminToken}   (new: shown this once; kept in ${a.file})`
      : `${maskSecret(t.adminToken)}   (${a.from === 'configured' ? 'from adminToken / TOUCHLINE_ADMIN_TOKEN' : `in ${a.file}`})`;
  return [`  Write key    ${writeKey}`, `  Admin token  ${adminToken}`, `               the owner's bootstrap credential: add members and personal tokens (docs/governance.md)`];
}

/** What `touchline start` prints once both listeners answer. */
export function startBanner(t: Touchline, config: Config): string[] {
  const showKey = t.credentials.writeKey.from === 'generated';
  // The snippet and the curl line carry the key only when it is shown anyway.
  const key = showKey ? t.writeKey : 'WRITE_KEY';
  const exposed = !LOOPBACK.test(config.admin.host);
  return [
    '',
    `Touchline is running`,
    '',
    `  Collector    ${t.url}   (public: Segment API, tracker, /healthz)`,
    `  Admin API    ${t.adminUrl}   (${exposed ? `listening on ${config.admin.host}: put it behind a TLS proxy, see docs/security.md` : 'this machine only'})`,
    ...credentialLines(t),
    `  Warehouse    ${t.warehouse.engine} (${config.dataDir})`,
    ...(t.credentials.writeKey.from === 'revoked' ? ['', `Warning: ${revokedKeyAdvice(t.credentials.writeKey)}`] : []),
    '',
    'Send an event:',
    `  curl -u '${key}:' -H 'Content-Type: application/json' \\`,
    `    -d '{"anonymousId":"a1","event":"Signed Up","properties":{"plan":"pro"}}' ${t.url}/v1/track`,
    ...(config.tracker.enabled
      ? [
          `Track a site (route ${config.tracker.scriptPath.replace(/[^/]*$/, '')}* on your site's own host to this collector), in <head>:`,
          `  ${trackerSnippet(config.tracker, key).replace(/\n/g, ' ')}`,
        ]
      : []),
    'Query it:',
    `  npx touchline sql "select event, count(*) from events group by 1"`,
    '',
  ];
}

/** What a first start says: a newcomer sees a full dashboard after one command. */
export const EMPTY_WAREHOUSE_HINT = (adminUrl: string) =>
  `The warehouse is empty. To see the dashboard full at once, load a demo shop's journeys:\n  npx touchline demo\nthen open ${adminUrl}/ and sign in with the admin token.\n`;

async function warehouseIsEmpty(t: Touchline): Promise<boolean> {
  const r = await t.warehouse.query('SELECT count(*) FROM (SELECT 1 FROM events LIMIT 1) AS e');
  return Number(r.rows[0]?.[0] ?? 0) === 0;
}

/** What to do when another process holds this data dir. */
const STOP_IT = (pid: number | string) => `stop it first (kill -TERM ${pid}, or systemctl stop touchline), or start this one with another --data-dir`;

/**
 * A second start on a data dir in use is told so, with the running one's pid and ports, instead
 * of the warehouse's lock error: from server.json when the other is a server, else from DuckDB's
 * lock (a `touchline import` or `migrate` holding the warehouse).
 */
async function refuseSecondStart(config: Config): Promise<void> {
  const s = await liveServerFile(config);
  if (s) throw new ConfigError(`Touchline is already running on ${config.dataDir} (pid ${s.pid}; collector ${s.url}, admin ${s.adminUrl}): ${STOP_IT(s.pid)}`);
}

function lockHeld(err: unknown, config: Config): ConfigError | null {
  const m = /Could not set lock on file[\s\S]*?\(PID (\d+)\)/.exec(err instanceof Error ? err.message : '');
  if (!m) return null;
  return new ConfigError(`Touchline is already running on ${config.dataDir}: process ${m[1]} holds its warehouse; ${STOP_IT(m[1]!)}`, { cause: err });
}

/** `touchline start`: collector + loader + warehouse, until SIGINT/SIGTERM. */
export async function startCommand(config: Config, out: (s: string) => void): Promise<void> {
  await refuseSecondStart(config);
  let file: ServerFile | undefined;
  // server.json carries the admin token for the data dir's OS user: a rotation rewrites it.
  const t = await startTouchline(config, {
    onAdminTokenRotated: async (adminToken) => {
      if (file) await writeServerFile(config, (file = { ...file, adminToken }));
    },
  }).catch((err: unknown) => {
    throw lockHeld(err, config) ?? err;
  });
  // SIGHUP reads the tracking plan again (docs/tracking-plans.md); a plan that fails keeps the one in force.
  // Installed before the banner: a SIGHUP's default action would end the process.
  process.on('SIGHUP', () => {
    t.reloadPlan('signal.SIGHUP').then(
      (r) => r && out(`SIGHUP: tracking plan ${r.version} in force (was ${r.previousVersion ?? 'none'})`),
      (err: Error) => out(`SIGHUP: the tracking plan did not reload, the one in force stays: ${err.message}`),
    );
  });
  // SIGINT/SIGTERM stop it cleanly from here on: installed before the banner, which is what a
  // supervisor (or a test) waits for before it may send one; their default action would end the
  // process without loading what is spooled.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    out(`\n${signal}: loading what is spooled and stopping…`);
    await t.close();
    await removeServerFile(config);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  file = { pid: process.pid, url: t.url, adminUrl: t.adminUrl, adminToken: t.adminToken };
  await writeServerFile(config, file);
  out(startBanner(t, config).join('\n'));
  if (await warehouseIsEmpty(t)) out(EMPTY_WAREHOUSE_HINT(t.adminUrl));
}
