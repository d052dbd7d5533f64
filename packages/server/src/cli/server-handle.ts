import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Config } from '../config/config.js';
import { PRIVATE_FILE_MODE } from '../data-dir/private-files.js';
import { clientHost } from '../http/http-app.js';
import { cliToken } from './cli-credentials.js';

/** What a running server leaves in its data dir (0600) so the CLI can find it. */
export interface ServerFile {
  readonly pid: number;
  /** The public listener (collector, tracker). */
  readonly url: string;
  /** The admin listener: every CLI command that needs the server goes there. */
  readonly adminUrl: string;
  readonly adminToken: string;
}

const fileOf = (config: Config) => join(resolve(config.dataDir), 'server.json');

export async function writeServerFile(config: Config, s: ServerFile): Promise<void> {
  await writeFile(fileOf(config), JSON.stringify(s, null, 2) + '\n', { mode: PRIVATE_FILE_MODE });
}

export async function removeServerFile(config: Config): Promise<void> {
  await rm(fileOf(config), { force: true });
}

/** The server file of a live process other than this one on this data dir, or null (none, or stale). */
export async function liveServerFile(config: Config): Promise<ServerFile | null> {
  let s: Partial<ServerFile>;
  try {
    s = JSON.parse(await readFile(fileOf(config), 'utf8')) as Partial<ServerFile>;
  } catch {
    // No file, or one cut short by a crash: no live server recorded (a start then writes a new one).
    return null;
  }
  if (typeof s.pid !== 'number' || s.pid === process.pid || typeof s.url !== 'string') return null;
  try {
    process.kill(s.pid, 0);
  } catch (err) {
    // EPERM: alive, owned by another user.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return null;
  }
  return s as ServerFile;
}

/** A client for the admin API of the server running on this data dir. */
export interface AdminClient {
  /** The admin listener. */
  readonly url: string;
  /** The public listener (imports post events there, as any sender does). */
  readonly publicUrl: string;
  /** A JSON body, or with `contentType` a text body sent as it is (a CSV). */
  call<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T>;
}

/** The running server on this data dir, or null (no file, dead pid, or its admin listener not answering). */
export async function findRunningServer(config: Config, env: Readonly<Record<string, string | undefined>> = process.env): Promise<AdminClient | null> {
  let s: Partial<ServerFile>;
  try {
    s = JSON.parse(await readFile(fileOf(config), 'utf8')) as Partial<ServerFile>;
  } catch {
    // No file, or one cut short by a crash: no server to talk to; the command works offline.
    return null;
  }
  if (typeof s.pid !== 'number' || typeof s.url !== 'string') return null;
  try {
    process.kill(s.pid, 0);
  } catch {
    // The recorded process is gone (or not ours to signal): a stale file, no server.
    return null;
  }
  // A server file without the admin listener's URL: the config says where it listens.
  const adminUrl = s.adminUrl ?? `http://${clientHost(config.admin.host)}:${config.admin.port}`;
  try {
    const res = await fetch(`${adminUrl}/healthz`, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) return null;
  } catch {
    // The admin listener does not answer within 2 s: treated like no server (the command works offline).
    return null;
  }
  const token = cliToken(config, { env, adminUrl, serverFileToken: s.adminToken });
  return {
    url: adminUrl,
    publicUrl: s.url,
    async call<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
      const type = body === undefined ? undefined : (contentType ?? 'application/json');
      const res = await fetch(`${adminUrl}${path}`, {
        method,
        headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(type === undefined ? {} : { 'content-type': type }) },
        ...(body === undefined ? {} : { body: contentType === undefined ? JSON.stringify(body) : String(body) }),
      });
      const json = (await res.json()) as T & { message?: string };
      if (res.status === 401 && token === undefined) throw new Error('no credential: set TOUCHLINE_TOKEN or run `touchline login` (the admin token in server.json is only for the OS user who owns the data dir)');
      if (!res.ok) throw new Error(json.message ?? `${method} ${path} answered ${res.status}`);
      return json;
    },
  };
}
