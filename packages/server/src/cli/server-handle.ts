import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Config } from '../config/config.js';

/** What a running server leaves in its data dir so the CLI can find it. */
export interface ServerFile {
  readonly pid: number;
  readonly url: string;
  readonly adminToken: string;
}

const fileOf = (config: Config) => join(resolve(config.dataDir), 'server.json');

export async function writeServerFile(config: Config, s: ServerFile): Promise<void> {
  await writeFile(fileOf(config), JSON.stringify(s, null, 2) + '\n', { mode: 0o600 });
}

export async function removeServerFile(config: Config): Promise<void> {
  await rm(fileOf(config), { force: true });
}

/** A client for the admin API of the server running on this data dir. */
export interface AdminClient {
  readonly url: string;
  call<T>(method: string, path: string, body?: unknown): Promise<T>;
}

/** The running server on this data dir, or null (no file, dead pid, or not answering). */
export async function findRunningServer(config: Config): Promise<AdminClient | null> {
  let s: ServerFile;
  try {
    s = JSON.parse(await readFile(fileOf(config), 'utf8')) as ServerFile;
  } catch {
    return null;
  }
  try {
    process.kill(s.pid, 0);
  } catch {
    return null;
  }
  try {
    const res = await fetch(`${s.url}/healthz`, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) return null;
  } catch {
    return null;
  }
  const token = config.adminToken ?? s.adminToken;
  return {
    url: s.url,
    async call<T>(method: string, path: string, body?: unknown): Promise<T> {
      const res = await fetch(`${s.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const json = (await res.json()) as T & { message?: string };
      if (!res.ok) throw new Error(json.message ?? `${method} ${path} answered ${res.status}`);
      return json;
    },
  };
}
