import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { queueOfflineUse } from '../audit/offline-queue.js';
import { ConfigError, type Config } from '../config/config.js';
import { osUser, ownsDataDir } from './cli-credentials.js';

/**
 * The CLI's offline mode: the warehouse opened directly because no server runs. Only the OS user
 * who owns the data dir may (anyone else is told to start the server and use a personal token),
 * and each use is queued for the audit log, which the next start appends it to.
 */
export async function offlineUse(config: Config, action: string, params: unknown): Promise<void> {
  // No data dir: nothing to open, and the command says so itself.
  if (!existsSync(resolve(config.dataDir))) return;
  if (!ownsDataDir(config)) {
    throw new ConfigError(`no Touchline server runs on ${resolve(config.dataDir)}, and offline mode is for the OS user who owns the data dir only: ask them to run \`touchline start\`, then use a personal token (TOUCHLINE_TOKEN or touchline login)`);
  }
  const user = osUser();
  await queueOfflineUse(resolve(config.dataDir), { actor: { type: 'offline', id: user, label: user, tokenId: null }, action: `offline.${action}`, outcome: 'allowed', rule: 'offline.data-dir-owner', params });
}
