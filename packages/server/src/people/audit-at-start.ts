// What a start records in the audit log (policy changes, offline uses, pruning): people over
// their audit log, so it lives with the people (the audit module knows no people).
import type { Clock } from '../clock/clock.js';
import type { Log } from '../logging/log.js';
import type { People } from './people.js';
import type { PolicyOverrides } from '../policy/policy-settings.js';
import type { AuditActor } from '../audit/audit-record.js';
import { drainOfflineQueue } from '../audit/offline-queue.js';

const SYSTEM: AuditActor = { type: 'system', id: null, label: 'touchline', tokenId: null };

const canonical = (o: PolicyOverrides) => JSON.stringify(Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b))));

/**
 * What a start puts on the record before it serves anything: the config file's `policy` section
 * if it changed since the last start (before/after, key by key), the CLI's offline uses since,
 * and the retention pruner's work.
 */
export async function auditAtStart(people: People, dataDir: string, policyConfig: PolicyOverrides, log: Log): Promise<void> {
  const before = people.swapConfigSeen(policyConfig);
  if (before === null ? Object.keys(policyConfig).length > 0 : canonical(before) !== canonical(policyConfig)) {
    const seen = before ?? {};
    const keys = [...new Set([...Object.keys(seen), ...Object.keys(policyConfig)])].filter(
      (k) => JSON.stringify(seen[k as keyof PolicyOverrides]) !== JSON.stringify(policyConfig[k as keyof PolicyOverrides]),
    );
    const pick = (o: PolicyOverrides) => Object.fromEntries(keys.map((k) => [k, o[k as keyof PolicyOverrides] ?? null]));
    people.audit.append({ actor: SYSTEM, action: 'policy.config-changed', target: 'config file: policy', outcome: 'allowed', rule: 'config', before: pick(seen), after: pick(policyConfig) });
    log('the config file\'s policy section changed since the last start: recorded in the audit log', { keys });
  }
  const offline = await drainOfflineQueue(dataDir, people.audit);
  if (offline > 0) log('recorded the CLI\'s offline uses of the warehouse in the audit log', { records: offline });
  const pruned = people.pruneAudit();
  if (pruned > 0) {
    people.audit.append({ actor: SYSTEM, action: 'audit.pruned', outcome: 'allowed', rule: 'audit.retentionDays', params: { records: pruned, retentionDays: people.policy().audit.retentionDays } });
  }
}

/** Prunes past retention once a day, on the clock's timer, while the server runs (a start prunes too); returns the stop. */
export function scheduleAuditPrune(people: People, log: Log, clock: Pick<Clock, 'every'>, everyMs = 86_400_000): () => void {
  return clock.every(everyMs, () => {
    try {
      const pruned = people.pruneAudit();
      if (pruned > 0) people.audit.append({ actor: SYSTEM, action: 'audit.pruned', outcome: 'allowed', rule: 'audit.retentionDays', params: { records: pruned, retentionDays: people.policy().audit.retentionDays } });
    } catch (err) {
      log('could not prune the audit log; it is retried tomorrow', { error: (err as Error).message });
    }
  });
}
