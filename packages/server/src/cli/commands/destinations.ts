import { systemClock } from '../../clock/clock.js';
import { readFile } from 'node:fs/promises';
import type { ConnectionView } from '../../connections/connection-list.js';
import { ConfigError, type Config } from '../../config/config.js';
import { findRunningServer, type AdminClient } from '../server-handle.js';

export const DESTINATIONS_USAGE = `usage:
  touchline destinations list [--json]                   each destination's connection state
  touchline destinations connect <name>                  prints the vendor's sign-in URL; the admin listener receives the callback
  touchline destinations connect <name> --refresh-token-file <path>   store a refresh token obtained elsewhere
  touchline destinations disconnect <name>               forget the stored grant`;

export interface DestinationsFlags {
  readonly json: boolean;
  readonly refreshTokenFile: string | undefined;
  /** Waits between checks for the callback (tests pass a fast one). @defaultValue 2 s */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @defaultValue Date.now */
  readonly now?: () => number;
}

const pad = (s: string, n: number) => s.padEnd(n);

/** One line per destination: name, type, state, and what to do when it needs attention. */
export function formatConnections(rows: readonly ConnectionView[]): string {
  if (rows.length === 0) return 'no destinations configured (destinations in touchline.config.json)';
  const w = Math.max(11, ...rows.map((r) => r.destination.length)) + 2;
  const t = Math.max(4, ...rows.map((r) => r.type.length)) + 2;
  const lines = [`${pad('DESTINATION', w)}${pad('TYPE', t)}STATE`];
  for (const r of rows) {
    const extra = [
      r.connectedAt ? `since ${r.connectedAt}${r.connectedBy ? ` by ${r.connectedBy}` : ''}` : '',
      r.refreshExpiresAt ? `refresh token ends ${r.refreshExpiresAt}` : '',
    ].filter(Boolean);
    lines.push(`${pad(r.destination, w)}${pad(r.type, t)}${r.state}${extra.length ? ` (${extra.join('; ')})` : ''}`);
    if (r.reason) lines.push(`${pad('', w)}${r.reason}`);
    if (r.state === 'reconnect required' || r.state === 'not connected') lines.push(`${pad('', w)}run: touchline destinations connect ${r.destination}`);
  }
  return lines.join('\n');
}

async function server(config: Config): Promise<AdminClient> {
  const s = await findRunningServer(config);
  if (!s) throw new ConfigError('touchline destinations talks to the running server (its admin listener receives the vendor\'s callback, and it holds the grants): run `touchline start` first');
  return s;
}

/** Prints the URL, then waits (until the flow expires) for the callback to store the grant. */
async function connectInBrowser(s: AdminClient, name: string, f: DestinationsFlags, out: (s: string) => void): Promise<number> {
  const started = await s.call<{ url: string; redirectUri: string; expiresAt: number }>('POST', `/admin/destinations/${encodeURIComponent(name)}/connect`, {});
  const now = f.now ?? systemClock.now;
  const since = new Date(now()).toISOString();
  out(`Open this URL in a browser and sign in (valid until ${new Date(started.expiresAt).toISOString()}):\n\n  ${started.url}\n`);
  out(`The vendor sends the browser back to ${started.redirectUri} (register it with your OAuth app). Waiting…`);
  const sleep = f.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  while (now() < started.expiresAt) {
    await sleep(2000);
    const { destinations } = await s.call<{ destinations: ConnectionView[] }>('GET', '/admin/destinations');
    const row = destinations.find((d) => d.destination === name);
    if (row?.connectedAt && row.connectedAt >= since) {
      out(`${name}: ${row.state}`);
      return 0;
    }
  }
  out(`${name}: no callback arrived before the link expired; run the command again`);
  return 1;
}

/** `touchline destinations …`: through the running server only. */
export async function destinationsCommand(config: Config, args: readonly string[], f: DestinationsFlags, out: (s: string) => void): Promise<number> {
  const [sub, name] = args;
  if (sub === 'list') {
    const { destinations } = await (await server(config)).call<{ destinations: ConnectionView[] }>('GET', '/admin/destinations');
    out(f.json ? JSON.stringify(destinations, null, 2) : formatConnections(destinations));
    return 0;
  }
  if ((sub === 'connect' || sub === 'disconnect') && name) {
    const s = await server(config);
    if (sub === 'disconnect') {
      await s.call('DELETE', `/admin/destinations/${encodeURIComponent(name)}/grant`);
      out(`${name}: grant removed`);
      return 0;
    }
    if (f.refreshTokenFile === undefined) return connectInBrowser(s, name, f, out);
    // A file, not an argument: a token on the command line would stay in the shell history.
    const refreshToken = (await readFile(f.refreshTokenFile, 'utf8')).trim();
    const done = await s.call<{ provider: string }>('POST', `/admin/destinations/${encodeURIComponent(name)}/refresh-token`, { refreshToken });
    out(`${name}: connected to ${done.provider}`);
    return 0;
  }
  throw new ConfigError(DESTINATIONS_USAGE);
}
