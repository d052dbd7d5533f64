import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** Owners of engines alive in this process (an engine unregisters when it closes). */
const liveInProcess = new Set<string>();

/** A new owner id for an engine: `host:pid:nonce`. */
export function newOwner(): string {
  const owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  liveInProcess.add(owner);
  return owner;
}

export function releaseOwner(owner: string): void {
  liveInProcess.delete(owner);
}

/** A run's heartbeat older than this means its process is gone, whatever the host. */
export const STALE_HEARTBEAT_MS = 60_000;

/**
 * Whether the process that owns a run is still running it. On this host we ask the OS (a run
 * killed a second ago is resumable at once); elsewhere (ClickHouse shared by several hosts) only
 * a heartbeat older than a minute says it is gone.
 */
export function ownerAlive(owner: string | null, heartbeatAt: string | null, now: number): boolean {
  if (!owner) return false;
  const beat = heartbeatAt ? Date.parse(heartbeatAt) : NaN;
  if (Number.isFinite(beat) && now - beat > STALE_HEARTBEAT_MS) return false;
  const [host, pidText] = owner.split(':');
  if (host !== hostname()) return true;
  const pid = Number(pidText);
  if (pid === process.pid) return liveInProcess.has(owner);
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
