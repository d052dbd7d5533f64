import { chmod, lstat, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** The data dir holds write keys, the admin token, full IP addresses and traits: its user's alone. */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Everything this process creates from now on is private to its user: the spool segments, the
 * DuckDB file and the WAL it re-creates after each checkpoint, the SQLite touch store and its
 * journal, the outboxes — files whose mode Touchline does not choose itself.
 */
export function restrictUmask(): void {
  process.umask(0o077);
}

export interface TightenedPath {
  readonly path: string;
  /** The permission bits it had (e.g. 0o644). */
  readonly was: number;
}

export interface PrivateDataDir {
  /** What an older version (or a hand) left readable by others, now tightened. */
  readonly tightened: readonly TightenedPath[];
  /** What could not be tightened (another user's file), with why. */
  readonly failed: readonly { readonly path: string; readonly error: string }[];
}

/**
 * Creates the data dir 0700 and tightens what is there: directories to 0700, files to 0600 (owner
 * bits kept), recursively, without following symbolic links. `alsoFiles`: Touchline files
 * configured outside the data dir (an absolute `warehouse.duckdbPath`…), tightened if they exist.
 */
export async function ensurePrivateDataDir(dataDir: string, alsoFiles: readonly string[] = []): Promise<PrivateDataDir> {
  await mkdir(dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const tightened: TightenedPath[] = [];
  const failed: { path: string; error: string }[] = [];
  const tighten = async (path: string, isDir: boolean, mode: number) => {
    const bits = mode & 0o777;
    if ((bits & 0o077) === 0) return;
    try {
      await chmod(path, isDir ? PRIVATE_DIR_MODE : bits & 0o700);
      tightened.push({ path, was: bits });
    } catch (err) {
      failed.push({ path, error: (err as Error).message });
    }
  };
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isSymbolicLink()) continue;
      const st = await lstat(path).catch(() => null);
      if (!st) continue; // removed meanwhile
      await tighten(path, st.isDirectory(), st.mode);
      if (st.isDirectory()) await walk(path);
    }
  };
  const root = await lstat(dataDir);
  await tighten(dataDir, true, root.mode);
  await walk(dataDir);
  for (const path of alsoFiles) {
    // A configured file not created yet has nothing to tighten.
    const st = await lstat(path).catch(() => null);
    if (st?.isFile()) await tighten(path, false, st.mode);
  }
  return { tightened, failed };
}
