import { parseConfig, type RateLimit } from '@touchline/destinations';
import type { ActivationConfig, DestinationAccount, SyncConfig } from '../config/activation-config.js';
import { destinationOf, type AnyDestination } from './any-destination.js';

/** A sync problem a user can fix: unknown name, a mode or test mode the destination lacks. */
export class SyncError extends Error {
  override readonly name = 'SyncError';
}

/** A destination account ready to send: the destination, its parsed config, its rate and gate key. */
export interface ResolvedAccount {
  readonly name: string;
  readonly account: DestinationAccount;
  readonly destination: AnyDestination;
  readonly config: unknown;
  readonly rate: Pick<RateLimit, 'requests' | 'windowMs'> | null;
  readonly gateKey: string;
}

export function resolveAccount(config: ActivationConfig, name: string, where: string): ResolvedAccount {
  const account = config.destinations[name];
  if (!account) throw new SyncError(`${where}: no destination "${name}" (configured: ${Object.keys(config.destinations).join(', ') || 'none'})`);
  const destination = destinationOf(account.type);
  if (!destination) throw new SyncError(`destinations.${name}.type: unknown destination type "${account.type}"`);
  const parsed = parseConfig(destination, account.config);
  if (!parsed.ok) throw new SyncError(`destinations.${name}.config: ${parsed.errors.join('; ')}`);
  return {
    name,
    account,
    destination,
    config: parsed.config,
    rate: account.rateLimit ?? destination.capabilities.rateLimit,
    gateKey: destination.capabilities.rateLimitKey(parsed.config),
  };
}

/** A sync with everything the engine needs resolved once. */
export interface ResolvedSync extends ResolvedAccount {
  readonly syncName: string;
  readonly sync: SyncConfig;
  /** Keep the sent row in the state (CRMs: for mirror removals and dry-run diffs); never for ad networks. */
  readonly keepRow: boolean;
  /** Destination columns a mirror removal keeps (the record's identity). */
  readonly removeKeep: readonly string[];
}

export function resolveSync(config: ActivationConfig, syncName: string): ResolvedSync {
  const sync = config.syncs[syncName];
  if (!sync) throw new SyncError(`no sync "${syncName}" (configured: ${Object.keys(config.syncs).join(', ') || 'none'})`);
  const account = resolveAccount(config, sync.destination, `syncs.${syncName}.destination`);
  const fromPk = sync.mapping ? Object.entries(sync.mapping).filter(([, v]) => v === sync.primaryKey).map(([dest]) => dest) : [sync.primaryKey];
  const idColumns = ['idColumn', 'externalIdColumn']
    .map((k) => (account.config as Record<string, unknown>)[k])
    .filter((v): v is string => typeof v === 'string');
  return {
    ...account,
    syncName,
    sync,
    keepRow: !account.destination.capabilities.adNetwork,
    removeKeep: sync.removeKeep ?? [...new Set([...fromPk, ...idColumns])],
  };
}

/** The destination config for a test-mode run, or why the destination has none. */
export function testModeConfig(r: ResolvedAccount, code: string | undefined): unknown {
  const t = r.destination.capabilities.testMode;
  if (t.kind === 'none') throw new SyncError(`${r.destination.name} has no test mode: ${t.note}`);
  return t.enable(r.config, code);
}
