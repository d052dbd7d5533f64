import { randomBytes } from 'node:crypto';
import type { Source, Warehouse } from '../warehouse/warehouse.js';

/**
 * Sources and their write keys. The warehouse's `sources` table is the record (so several
 * collectors share it); each collector keeps the keys in memory and refreshes them.
 */
export interface SourceRegistry {
  /** The active source of a write key, if any. */
  byWriteKey(writeKey: string): Source | undefined;
  /** Whether a write key existed but was revoked. */
  isRevoked(writeKey: string): boolean;
  list(): readonly Source[];
  create(name: string, writeKey?: string): Promise<Source>;
  revoke(idOrName: string): Promise<Source | null>;
  refresh(): Promise<void>;
}

/** A write key: 32 url-safe random characters. */
export function newWriteKey(): string {
  return randomBytes(24).toString('base64url');
}

/** A source name, and the shape of a source id (`src_…`): both may name a source in a URL. */
export const SOURCE_NAME = /^[a-z0-9][a-z0-9_.-]{0,63}$/i;

export async function openSourceRegistry(
  warehouse: Warehouse,
  now: () => Date = () => new Date(),
): Promise<SourceRegistry> {
  let all: Source[] = [];
  let active = new Map<string, Source>();
  let revoked = new Set<string>();
  async function refresh(): Promise<void> {
    all = await warehouse.listSources();
    active = new Map(all.filter((s) => !s.revokedAt).map((s) => [s.writeKey, s]));
    revoked = new Set(all.filter((s) => s.revokedAt).map((s) => s.writeKey));
  }
  await refresh();
  return {
    byWriteKey: (k) => active.get(k),
    isRevoked: (k) => revoked.has(k),
    list: () => all,
    async create(name, writeKey) {
      if (!SOURCE_NAME.test(name)) {
        throw new Error(`source name "${name}" must be 1-64 letters, digits, '_', '.' or '-'`);
      }
      await refresh();
      if (all.some((s) => s.name === name)) throw new Error(`a source named "${name}" already exists`);
      const key = writeKey ?? newWriteKey();
      if (all.some((s) => s.writeKey === key)) throw new Error('that write key is already in use');
      const s = await warehouse.createSource({ id: `src_${randomBytes(6).toString('hex')}`, name, writeKey: key, createdAt: now().toISOString() });
      await refresh();
      return s;
    },
    async revoke(idOrName) {
      const s = await warehouse.revokeSource(idOrName, now().toISOString());
      await refresh();
      return s;
    },
    refresh,
  };
}
