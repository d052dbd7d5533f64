/** Where secret references are read from: passed in, so tests and the server choose. */
export interface SecretSources {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads a whole file as UTF-8 (throws as `fs.readFileSync` does). */
  readonly readFile: (path: string) => string;
}

/** A reference that cannot be resolved: the message names the reference, never a value. */
export class SecretRefError extends Error {
  override readonly name = 'SecretRefError';
}

/**
 * Resolves `env:NAME` or `file:/path` (validated by `SecretRefSchema`) at the moment of use. A
 * file's one trailing line break is dropped (editors add one). The same rules as the
 * destinations' secret references, so one reference works in both places.
 */
export function resolveSecret(ref: string, src: SecretSources): string {
  if (ref.startsWith('env:')) {
    const value = src.env[ref.slice(4)];
    if (value === undefined || value === '') throw new SecretRefError(`${ref}: the environment variable is not set (or empty)`);
    return value;
  }
  let text: string;
  try {
    text = src.readFile(ref.slice(5));
  } catch (err) {
    throw new SecretRefError(`${ref}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  const value = text.replace(/\r?\n$/, '');
  if (value === '') throw new SecretRefError(`${ref}: the file is empty`);
  return value;
}
