import type { Config } from '../../config/config.js';
import { startTouchline } from '../../server.js';
import { removeServerFile, writeServerFile } from '../server-handle.js';
import { trackerSnippet } from '../../tracker-endpoint/tracker-snippet.js';

/** `touchline start`: collector + loader + warehouse, until SIGINT/SIGTERM. */
export async function startCommand(config: Config, out: (s: string) => void): Promise<void> {
  const t = await startTouchline(config);
  await writeServerFile(config, { pid: process.pid, url: t.url, adminToken: t.adminToken });
  out(
    [
      '',
      `Touchline is running on ${t.url}`,
      '',
      `  Write key    ${t.writeKey}`,
      `  Admin token  ${t.adminToken}`,
      `  Warehouse    ${t.warehouse.engine} (${config.dataDir})`,
      '',
      'Send an event:',
      `  curl -u '${t.writeKey}:' -H 'Content-Type: application/json' \\`,
      `    -d '{"anonymousId":"a1","event":"Signed Up","properties":{"plan":"pro"}}' ${t.url}/v1/track`,
      ...(config.tracker.enabled
        ? [
            `Track a site (route ${config.tracker.scriptPath.replace(/[^/]*$/, '')}* on your site's own host to this collector), in <head>:`,
            `  ${trackerSnippet(config.tracker, t.writeKey).replace(/\n/g, ' ')}`,
          ]
        : []),
      'Query it:',
      `  npx touchline sql "select event, count(*) from events group by 1"`,
      '',
    ].join('\n'),
  );
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
}
