import { cookieDomain } from '@touchline/site';
import { SITE_DOMAIN_TOKEN } from '@touchline/tracker/snippet';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';

/** One servable copy of the script: bytes, a gzip copy and a strong ETag. */
export interface ScriptBytes {
  readonly body: Buffer;
  readonly gzip: Buffer;
  /** Quoted, from the content: a new build (or another site's copy) gets a new ETag. */
  readonly etag: string;
}

/** The built tracker script, ready to serve. */
export interface ScriptAsset extends ScriptBytes {
  /**
   * The copy for a page host: the script with the host's registrable domain written over the
   * tracker's site-domain token (`app.shop.com` gets `shop.com`), so the tracker counts every host
   * of the site as internal, as the server's touch rules do; the build as it is for an IP,
   * `localhost` or a public suffix (the tracker then uses the page's host).
   */
  forHost(host: string): ScriptBytes;
}

const bytesOf = (body: Buffer): ScriptBytes => ({
  body,
  gzip: gzipSync(body, { level: 9 }),
  etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
});

/** Sites a collector keeps a copy for; beyond, the oldest is forgotten (any Host header can ask). */
const MAX_SITES = 64;

export function scriptAsset(body: Buffer): ScriptAsset {
  const base = bytesOf(body);
  const token = Buffer.from(JSON.stringify(SITE_DOMAIN_TOKEN));
  const at = body.indexOf(token);
  const sites = new Map<string, ScriptBytes>();
  return {
    ...base,
    forHost(host) {
      const domain = cookieDomain(host, 'auto');
      // Only a plain host name is written into JavaScript; the PSL answer for a valid Host is one.
      if (at < 0 || !domain || !/^[a-z0-9.-]+$/.test(domain)) return base;
      let copy = sites.get(domain);
      if (!copy) {
        copy = bytesOf(Buffer.concat([body.subarray(0, at), Buffer.from(JSON.stringify(domain)), body.subarray(at + token.length)]));
        if (sites.size >= MAX_SITES) sites.delete(sites.keys().next().value!);
        sites.set(domain, copy);
      }
      return copy;
    },
  };
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
