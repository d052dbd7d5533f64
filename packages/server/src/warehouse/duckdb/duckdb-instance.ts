import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { duckdbLiteral } from '../dialect/duckdb-dialect.js';

/**
 * What Touchline fixes on every DuckDB instance it opens, in this order, after the instance-wide
 * settings: no extension is installed or loaded behind a query's back, no file outside the
 * database's own (its file, WAL and `temp_directory`) can be read or written by any statement,
 * and nothing can be `SET` again afterwards (`lock_configuration`, last). The loader works
 * without file access (it appends rows, see `duckdb-load.ts`), so this holds for the whole
 * instance, not only for analyst connections.
 */
export const LOCKDOWN: readonly (readonly [name: string, value: 'true' | 'false'])[] = [
  ['autoinstall_known_extensions', 'false'],
  ['autoload_known_extensions', 'false'],
  ['allow_community_extensions', 'false'],
  ['allow_unsigned_extensions', 'false'],
  ['enable_external_access', 'false'],
  ['lock_configuration', 'true'],
];

const LOCKED_NAMES = new Set(LOCKDOWN.map(([n]) => n.toLowerCase()));

export interface InstanceOptions {
  /** Database file, or `:memory:`. */
  readonly path: string;
  readonly readOnly: boolean;
  readonly threads?: number;
  /** Instance-wide settings (`memory_limit`, `temp_directory`, …), applied before the lock. */
  readonly settings?: Readonly<Record<string, string>>;
}

/** The instance-wide settings to apply before locking, Touchline's own first. */
function globalSettings(o: InstanceOptions): [string, string][] {
  const out: [string, string][] = [['TimeZone', 'UTC']];
  // Checkpoint when the WAL reaches 128 MB rather than DuckDB's 16 MB: each checkpoint
  // recompresses the open row group, so small, frequent ones cost the loader most of its time.
  if (!o.readOnly) out.push(['checkpoint_threshold', '128MB']);
  for (const [name, value] of Object.entries(o.settings ?? {})) {
    if (!/^[a-z_][a-z0-9_]*$/i.test(name)) throw new RangeError(`DuckDB setting "${name}": not a setting name`);
    if (LOCKED_NAMES.has(name.toLowerCase())) {
      throw new RangeError(`DuckDB setting "${name}" is fixed by Touchline (analyst SQL must not reach files, extensions or settings)`);
    }
    out.push([name, value]);
  }
  return out;
}

async function setGlobal(conn: DuckDBConnection, name: string, value: string): Promise<void> {
  try {
    // SET takes a constant: the literal, which a NUL byte would turn into an expression.
    if (value.includes('\0')) throw new RangeError(`DuckDB setting "${name}": the value holds a NUL byte`);
    await conn.run(`SET GLOBAL ${name} = ${duckdbLiteral(value)}`);
  } catch (err) {
    throw new RangeError(
      `DuckDB setting "${name}" = "${value}": ${(err as Error).message} ` +
        '(settings apply to the whole instance, which is locked once open; per-connection settings are not available)',
      { cause: err },
    );
  }
}

/**
 * Opens a DuckDB instance with Touchline's settings applied instance-wide and its configuration
 * then locked (see `LOCKDOWN`). Every connection made from it afterwards inherits both.
 */
export async function openLockedInstance(o: InstanceOptions): Promise<DuckDBInstance> {
  const config: Record<string, string> = {};
  if (o.readOnly) config['access_mode'] = 'READ_ONLY';
  if (o.threads) config['threads'] = String(o.threads);
  const settings = globalSettings(o);
  const instance = await DuckDBInstance.create(o.path, config);
  const conn = await instance.connect();
  try {
    // `temp_directory` can only change while external access is on: every setting goes first.
    for (const [name, value] of settings) await setGlobal(conn, name, value);
    for (const [name, value] of LOCKDOWN) await conn.run(`SET GLOBAL ${name} = ${value}`);
  } catch (err) {
    conn.closeSync();
    instance.closeSync();
    throw err;
  }
  conn.closeSync();
  return instance;
}
