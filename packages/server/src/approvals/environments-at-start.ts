import type Database from 'better-sqlite3';
import type { ActivationConfig } from '../activation/config/activation-config.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Log } from '../logging/log.js';

const SEEN = 'environments.config';

/**
 * What keeps test traffic apart, as the config file says it: the test sources, each destination's
 * environment, and the syncs and forwarding rules allowed to take test sources' rows anyway (an
 * admin's override). Keys sorted, so an unchanged file gives the same text.
 */
export interface Environments {
  readonly testSources: readonly string[];
  readonly destinations: Readonly<Record<string, string>>;
  readonly allowTestSources: readonly string[];
}

export function environmentsOf(config: ActivationConfig): Environments {
  const sorted = <T>(o: Record<string, T>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
  return {
    testSources: [...(config.testSources ?? [])].sort(),
    destinations: sorted(Object.fromEntries(Object.entries(config.destinations).map(([n, d]) => [n, d.environment]))),
    allowTestSources: [
      ...Object.entries(config.syncs).filter(([, s]) => s.allowTestSources).map(([n]) => `syncs.${n}`),
      ...Object.entries(config.forwarding.rules).filter(([, r]) => r.allowTestSources).map(([n]) => `forwarding.rules.${n}`),
    ].sort(),
  };
}

/**
 * Records in the audit log, at start, a change to the environments since the last start — above
 * all an `allowTestSources` override, which lets test rows reach real customers — with before and
 * after (like the config file's policy section).
 */
export function auditEnvironmentsAtStart(db: Database.Database, audit: AuditLog, config: ActivationConfig, log: Log): void {
  const now = JSON.stringify(environmentsOf(config));
  const before = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?').get(SEEN)?.value ?? null;
  if (before === now) return;
  db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(SEEN, now);
  const after = JSON.parse(now) as Environments;
  // A first start with nothing marked says nothing worth recording.
  if (before === null && after.testSources.length === 0 && after.allowTestSources.length === 0) return;
  audit.append({
    actor: { type: 'system', id: null, label: 'touchline', tokenId: null }, action: 'environments.config-changed', target: 'config file: testSources, environment, allowTestSources',
    outcome: 'allowed', rule: 'config', before: before === null ? null : (JSON.parse(before) as unknown), after,
  });
  log('test sources, destination environments or allowTestSources changed since the last start: recorded in the audit log', { allowTestSources: after.allowTestSources });
}
