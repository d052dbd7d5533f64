import { lstatSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import type { Config } from '../config/config.js';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../data-dir/private-files.js';

/**
 * Which token the CLI presents, in order: `TOUCHLINE_TOKEN`; the token `touchline login` stored
 * for this server; the configured `adminToken`; and last, the admin token the running server left
 * in server.json — only for the OS user who owns the data dir (the owner's bootstrap credential).
 */
export interface CliCredentialSources {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The admin listener the token is for (login stores one token per server). */
  readonly adminUrl: string;
  /** The admin token in server.json, if there is one. */
  readonly serverFileToken: string | undefined;
}

/** `$XDG_CONFIG_HOME/touchline/credentials.json`, else `~/.config/touchline/credentials.json`. */
export function credentialsFile(env: Readonly<Record<string, string | undefined>>): string {
  const base = env['XDG_CONFIG_HOME'] || join(homedir(), '.config');
  return join(base, 'touchline', 'credentials.json');
}

function readStored(file: string): Record<string, string> {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { servers?: Record<string, string> };
    return parsed.servers && typeof parsed.servers === 'object' ? parsed.servers : {};
  } catch {
    // No credentials file yet (or an unreadable one): no stored logins; the CLI falls back to
    // TOUCHLINE_TOKEN or the data dir's token, and `touchline login` writes a new file.
    return {};
  }
}

/** Keeps `token` for `adminUrl` (0600 file in a 0700 folder); `null` forgets it. */
export function storeLogin(env: Readonly<Record<string, string | undefined>>, adminUrl: string, token: string | null): string {
  const file = credentialsFile(env);
  mkdirSync(join(file, '..'), { recursive: true, mode: PRIVATE_DIR_MODE });
  const servers = readStored(file);
  if (token === null) delete servers[adminUrl];
  else servers[adminUrl] = token;
  writeFileSync(file, JSON.stringify({ servers }, null, 2) + '\n', { mode: PRIVATE_FILE_MODE });
  chmodSync(file, PRIVATE_FILE_MODE);
  return file;
}

/** True when this process runs as the OS user who owns the data dir (the bootstrap and offline-mode user). */
export function ownsDataDir(config: Config): boolean {
  const getuid = process.getuid?.bind(process);
  if (!getuid) return true; // no uids on this platform: the data dir's ACLs decide
  try {
    return lstatSync(resolve(config.dataDir)).uid === getuid();
  } catch {
    // No data dir (or not ours to stat): this user does not own it.
    return false;
  }
}

export const osUser = (): string => {
  try {
    return userInfo().username;
  } catch {
    // A uid without a passwd entry (containers): the number names the user.
    return String(process.getuid?.() ?? 'unknown');
  }
};

export function cliToken(config: Config, s: CliCredentialSources): string | undefined {
  const fromEnv = s.env['TOUCHLINE_TOKEN'];
  if (fromEnv) return fromEnv;
  const stored = readStored(credentialsFile(s.env))[s.adminUrl];
  if (stored) return stored;
  if (config.adminToken) return config.adminToken;
  return ownsDataDir(config) ? s.serverFileToken : undefined;
}
