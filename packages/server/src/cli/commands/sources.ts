import { resolve } from 'node:path';
import type { Config } from '../../config/config.js';
import { openSourceRegistry } from '../../sources/sources.js';
import { openWarehouse } from '../../warehouse/open-warehouse.js';
import type { Source } from '../../warehouse/warehouse.js';
import { findRunningServer } from '../server-handle.js';
import { offlineUse } from '../offline.js';

type Action = { kind: 'list' } | { kind: 'create'; name: string } | { kind: 'revoke'; name: string };

async function perform(config: Config, action: Action): Promise<Source[]> {
  const server = await findRunningServer(config);
  if (server) {
    if (action.kind === 'create') return [await server.call<Source>('POST', '/admin/sources', { name: action.name })];
    if (action.kind === 'revoke') return [await server.call<Source>('DELETE', `/admin/sources/${encodeURIComponent(action.name)}`)];
    return (await server.call<{ sources: Source[] }>('GET', '/admin/sources')).sources;
  }
  await offlineUse(config, `sources.${action.kind}`, action);
  const warehouse = await openWarehouse(config.warehouse, resolve(config.dataDir));
  try {
    await warehouse.migrate();
    const registry = await openSourceRegistry(warehouse);
    if (action.kind === 'create') return [await registry.create(action.name)];
    if (action.kind === 'revoke') {
      const s = await registry.revoke(action.name);
      if (!s) throw new Error(`no source "${action.name}"`);
      return [s];
    }
    return [...registry.list()];
  } finally {
    await warehouse.close();
  }
}

/** `touchline sources list | create <name> | revoke <name|id>`. */
export async function sourcesCommand(config: Config, args: string[], out: (s: string) => void): Promise<void> {
  const [verb = 'list', name] = args;
  if ((verb === 'create' || verb === 'revoke') && !name) throw new Error(`usage: touchline sources ${verb} <name>`);
  if (!['list', 'create', 'revoke'].includes(verb)) throw new Error(`unknown sources command "${verb}" (list, create, revoke)`);
  const result = await perform(config, verb === 'list' ? { kind: 'list' } : { kind: verb as 'create' | 'revoke', name: name! });
  for (const s of result) {
    out(`${s.name.padEnd(20)} ${s.id.padEnd(18)} ${s.revokedAt ? `revoked ${s.revokedAt}` : `write key ${s.writeKey}`}`);
  }
}
