import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { destinationOf } from '../activation/engine/any-destination.js';
import { SPEND_SECRET_KEYS } from '../spend/pull/spend-pull-config.js';

/**
 * Credentials by reference (docs/activation.md, "Secrets"): a credential in the config file is
 * written `env:NAME` (an environment variable) or `file:/absolute/path` (a file such as a secret
 * manager's mounted secret: Kubernetes, Docker and Vault agents all mount one file per secret).
 * The reference is resolved when the configuration is read, so the file holds no secret and a
 * rotated secret is picked up by a restart.
 */
export interface SecretSources {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads a whole file as UTF-8 (throws as `fs.readFileSync` does). */
  readonly readFile: (path: string) => string;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Whether a config value is a reference rather than a value. */
export const isSecretRef = (v: unknown): v is string => typeof v === 'string' && (v.startsWith('env:') || v.startsWith('file:'));

export type RefResult = { readonly ok: true; readonly value: string } | { readonly ok: false; readonly error: string };

/**
 * Resolves one reference. Errors name the reference (a variable name or a path, never a secret).
 * A file's one trailing line break is dropped (editors and `echo` add one); anything else in the
 * file is the secret as it is.
 */
export function resolveSecretRef(ref: string, src: SecretSources): RefResult {
  if (ref.startsWith('env:')) {
    const name = ref.slice(4);
    if (!ENV_NAME.test(name)) return { ok: false, error: `"${ref}" is not env:NAME (letters, digits and _, not starting with a digit)` };
    const value = src.env[name];
    if (value === undefined || value === '') return { ok: false, error: `${ref}: the environment variable ${name} is not set (or empty)` };
    return { ok: true, value };
  }
  const path = ref.slice(5);
  if (!isAbsolute(path)) return { ok: false, error: `${ref}: write an absolute path (file:/run/secrets/name)` };
  let text: string;
  try {
    text = src.readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    return { ok: false, error: `${ref}: cannot read the file (${code})` };
  }
  const value = text.replace(/\r?\n$/, '');
  if (value === '') return { ok: false, error: `${ref}: the file is empty` };
  return { ok: true, value };
}

/** Config keys of a destination type that hold credentials (its schema marks them `secret`). */
export function secretKeysOf(type: string): readonly string[] {
  const destination = destinationOf(type);
  if (!destination) return [];
  const schema = z.toJSONSchema(destination.configSchema as z.ZodType, { io: 'input' }) as { properties?: Record<string, { secret?: boolean }> };
  return Object.entries(schema.properties ?? {})
    .filter(([, p]) => p.secret === true)
    .map(([k]) => k);
}

/** Keys of a destination account's `oauth` block that hold credentials. */
export const OAUTH_SECRET_KEYS: readonly string[] = ['clientSecret', 'privateKey'];

export interface ResolvedSecrets {
  /** The merged configuration with every reference replaced by its value. */
  readonly config: Record<string, unknown>;
  /** A reference that cannot be resolved: `destinations.hubspot.config.accessToken: env:X: …`. */
  readonly errors: readonly string[];
  /** A literal credential in the file: allowed (tests, a first try), but warned at every start. */
  readonly literals: readonly string[];
  /** Every credential value the configuration holds, resolved or literal: kept out of logs and output. */
  readonly values: readonly string[];
}

const asRecord = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

type BlockResolver = (block: Record<string, unknown>, path: string, secretKeys: readonly string[]) => Record<string, unknown>;

/** Resolves one block's string values, recording errors, literal credentials and every credential value in `acc`. */
function blockResolver(src: SecretSources, acc: { errors: string[]; literals: string[]; values: string[] }): BlockResolver {
  const one = (v: unknown, where: string, secret: boolean): unknown => {
    if (isSecretRef(v)) {
      const r = resolveSecretRef(v, src);
      if (r.ok) acc.values.push(r.value);
      else acc.errors.push(`${where}: ${r.error}`);
      return r.ok ? r.value : v;
    }
    if (secret && typeof v === 'string' && v !== '') {
      acc.literals.push(where);
      acc.values.push(v);
    }
    return v;
  };
  return (block, path, secretKeys) => {
    const out: Record<string, unknown> = { ...block };
    for (const [k, v] of Object.entries(block)) {
      const secret = secretKeys.includes(k);
      // Lists of credentials (a webhook's previous signing secrets) take references item by item.
      out[k] = Array.isArray(v) ? v.map((item, i) => one(item, `${path}.${k}.${i}`, secret)) : one(v, `${path}.${k}`, secret);
    }
    return out;
  };
}

/** Each destination's `config` (its type's secret keys) and `oauth` blocks. */
function resolveDestinations(destinations: Record<string, unknown>, resolveBlock: BlockResolver): Record<string, unknown> {
  const next: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(destinations)) {
    const account = asRecord(raw);
    if (!account) {
      next[name] = raw;
      continue;
    }
    const type = typeof account['type'] === 'string' ? account['type'] : '';
    const block = asRecord(account['config']);
    const oauth = asRecord(account['oauth']);
    next[name] = {
      ...account,
      ...(block ? { config: resolveBlock(block, `destinations.${name}.config`, secretKeysOf(type)) } : {}),
      ...(oauth ? { oauth: resolveBlock(oauth, `destinations.${name}.oauth`, OAUTH_SECRET_KEYS) } : {}),
    };
  }
  return next;
}

/** Each spend connection's `credentials` block. */
function resolveSpendConnections(connections: Record<string, unknown>, resolveBlock: BlockResolver): Record<string, unknown> {
  const next: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(connections)) {
    const credentials = asRecord(asRecord(raw)?.['credentials']);
    next[name] = credentials ? { ...asRecord(raw), credentials: resolveBlock(credentials, `spend.pull.connections.${name}.credentials`, SPEND_SECRET_KEYS) } : raw;
  }
  return next;
}

/**
 * Resolves the references in the places credentials live: each destination's `config` and
 * `oauth` blocks (top-level string values), each spend connection's `credentials`,
 * `warehouse.clickhouse.password` and `privacy.suppressionKey`. Other keys are
 * left alone: a value there is not a credential, and `env:` in it is not special.
 */
export function resolveConfigSecrets(merged: Record<string, unknown>, src: SecretSources): ResolvedSecrets {
  const acc = { errors: [] as string[], literals: [] as string[], values: [] as string[] };
  const resolveBlock = blockResolver(src, acc);
  const config: Record<string, unknown> = { ...merged };
  const destinations = asRecord(merged['destinations']);
  if (destinations) config['destinations'] = resolveDestinations(destinations, resolveBlock);
  const pull = asRecord(asRecord(merged['spend'])?.['pull']);
  const spendConnections = asRecord(pull?.['connections']);
  if (pull && spendConnections) {
    config['spend'] = { ...asRecord(merged['spend']), pull: { ...pull, connections: resolveSpendConnections(spendConnections, resolveBlock) } };
  }
  const warehouse = asRecord(merged['warehouse']);
  const clickhouse = asRecord(warehouse?.['clickhouse']);
  if (warehouse && clickhouse) {
    config['warehouse'] = { ...warehouse, clickhouse: resolveBlock(clickhouse, 'warehouse.clickhouse', ['password']) };
  }
  const privacy = asRecord(merged['privacy']);
  if (privacy && privacy['suppressionKey'] !== undefined) {
    config['privacy'] = { ...privacy, ...resolveBlock({ suppressionKey: privacy['suppressionKey'] }, 'privacy', ['suppressionKey']) };
  }
  return { config, ...acc };
}
