import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, resolveConfig, setPath, type Config } from '../config/config.js';

/** Flags every command understands, and the config key each sets. */
export const CONFIG_FLAGS: Readonly<Record<string, string>> = {
  port: 'port',
  host: 'host',
  'admin-port': 'admin.port',
  'admin-host': 'admin.host',
  'log-level': 'log.level',
  'data-dir': 'dataDir',
  warehouse: 'warehouse.engine',
  'clickhouse-url': 'warehouse.clickhouse.url',
};

/**
 * Reads the config file (`--config`, else `touchline.config.json` in the working directory if
 * present), then the environment, then flags.
 */
export function loadConfig(flags: Record<string, string | boolean | undefined>, env = process.env): Config {
  const explicit = typeof flags['config'] === 'string' ? flags['config'] : env['TOUCHLINE_CONFIG'];
  const path = resolve(explicit ?? 'touchline.config.json');
  let file: Record<string, unknown> = {};
  if (explicit || existsSync(path)) {
    try {
      file = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`cannot read the config file ${path}: ${(err as Error).message}`);
    }
  }
  const fromFlags: Record<string, unknown> = {};
  for (const [flag, key] of Object.entries(CONFIG_FLAGS)) {
    const v = flags[flag];
    if (typeof v === 'string') setPath(fromFlags, key, v);
  }
  return resolveConfig(file, env, fromFlags);
}
