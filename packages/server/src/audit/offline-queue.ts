import { appendFile, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PRIVATE_FILE_MODE } from '../data-dir/private-files.js';
import type { AuditLog } from './audit-log.js';
import type { AuditEntry } from './audit-record.js';

/**
 * Uses of the CLI's offline mode (the warehouse opened with no server running), waiting for the
 * next start to put them in the audit log: the CLI never opens the control store for writing, so
 * it cannot race a starting server, and the record survives until a start has appended it.
 */
export const OFFLINE_QUEUE_FILE = 'audit-queue.ndjson';

/** Queues one record (one line, appended and flushed to the disk; 0600 like the data dir). */
export async function queueOfflineUse(dataDir: string, entry: AuditEntry): Promise<void> {
  const line = JSON.stringify({ ...entry, occurredAt: entry.occurredAt ?? new Date().toISOString() }) + '\n';
  await appendFile(join(dataDir, OFFLINE_QUEUE_FILE), line, { mode: PRIVATE_FILE_MODE, flush: true });
}

/**
 * Appends what the CLI queued to the audit log and removes the queue. The queue is renamed first,
 * so a CLI writing meanwhile starts a new one; a line that does not parse is recorded as such,
 * not dropped. Returns how many records it appended.
 */
export async function drainOfflineQueue(dataDir: string, audit: AuditLog): Promise<number> {
  const file = join(dataDir, OFFLINE_QUEUE_FILE);
  const draining = `${file}.draining`;
  // A drain interrupted by a crash left its file: it goes first (at worst a record twice, never lost).
  let n = await appendFrom(draining, audit);
  try {
    await rename(file, draining);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return n;
    throw err;
  }
  n += await appendFrom(draining, audit);
  return n;
}

async function appendFrom(path: string, audit: AuditLog): Promise<number> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  let n = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let entry: AuditEntry;
    try {
      const e = JSON.parse(line) as AuditEntry;
      if (typeof e.action !== 'string' || typeof e.actor !== 'object' || e.actor === null) throw new Error('not an audit record');
      // Whatever the line says, it came through offline mode.
      entry = { ...e, actor: { type: 'offline', id: e.actor.id ?? null, label: e.actor.label ?? null, tokenId: null } };
    } catch (err) {
      entry = { actor: { type: 'system', id: null, label: 'touchline', tokenId: null }, action: 'offline.unreadable', outcome: 'failed', reason: (err as Error).message, params: { line: line.slice(0, 500) } };
    }
    audit.append(entry);
    n++;
  }
  await rm(path, { force: true });
  return n;
}
