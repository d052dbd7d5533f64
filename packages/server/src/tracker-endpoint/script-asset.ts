import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';

/** The built tracker script, ready to serve: bytes, a gzip copy and a strong ETag. */
export interface ScriptAsset {
  readonly body: Buffer;
  readonly gzip: Buffer;
  /** Quoted, from the content: a new build gets a new ETag. */
  readonly etag: string;
}

export function scriptAsset(body: Buffer): ScriptAsset {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
  return { body, gzip: gzipSync(body, { level: 9 }), etag };
}

/** Reads `@touchline/tracker/s.js` (its `dist/s.js`). Fails loudly when the tracker is not built. */
export async function loadTrackerScript(): Promise<ScriptAsset> {
  let path: string;
  try {
    path = createRequire(import.meta.url).resolve('@touchline/tracker/s.js');
    return scriptAsset(await readFile(path));
  } catch (err) {
    throw new Error(`the tracker script (@touchline/tracker/s.js) is missing: run \`npm run build\` first (${(err as Error).message})`);
  }
}
