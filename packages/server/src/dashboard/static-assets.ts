import type { FastifyInstance } from 'fastify';
import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { z } from 'zod';
import type { RouteDoc } from '../http/route-doc.js';

/**
 * Only self: no inline script or style element, no other origin, no framing. uPlot and Preact set
 * styles through the CSSOM (element.style), which `style-src 'self'` allows.
 */
export const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

export interface DashboardAssets {
  readonly index: Buffer;
  /** Hashed file name → contents and type; the only names `/assets/…` serves. */
  readonly files: ReadonlyMap<string, { body: Buffer; type: string }>;
}

/** Where `npm run build` put the dashboard (`packages/dashboard/dist`). */
export function dashboardDistDir(): string {
  return join(dirname(createRequire(import.meta.url).resolve('@touchline/dashboard/package.json')), 'dist');
}

/** Reads the built app once at start: every request is then a map lookup, never a path from the URL. */
export async function loadDashboardAssets(dir = dashboardDistDir()): Promise<DashboardAssets | undefined> {
  let index: Buffer;
  try {
    index = await readFile(join(dir, 'index.html'));
  } catch {
    // The dashboard is not built: the admin API runs without it (undefined says so to the caller).
    return undefined;
  }
  const files = new Map<string, { body: Buffer; type: string }>();
  // A build without an assets folder serves index.html alone.
  for (const name of await readdir(join(dir, 'assets')).catch(() => [] as string[])) {
    const type = TYPES[extname(name)];
    if (type) files.set(name, { body: await readFile(join(dir, 'assets', name)), type });
  }
  return { index, files };
}

const Text = z.string();
const NOT_BUILT = 'The dashboard is not built: run `npm run build` (npm ci runs it) and restart.';
const INDEX_DOC: RouteDoc = {
  summary: 'The dashboard\'s page (it signs in with a token; every data call it makes is guarded)',
  security: 'none',
  response: Text,
  otherResponses: { 503: Text },
  responseType: 'text/html; charset=utf-8',
  examples: [
    { name: 'built', response: { status: 200, body: '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Touchline</title><script type="module" src="/assets/app-RCTJ7ES4.js"></script></head><body><div id="app"></div></body></html>' } },
    { name: 'not built', response: { status: 503, type: 'text/plain; charset=utf-8', body: NOT_BUILT } },
  ],
};
const ASSET_DOC: RouteDoc = {
  summary: 'One of the built dashboard\'s hashed files (immutable); any other name is 404',
  security: 'none',
  // Any text: a name is looked up in the files read at start, never used as a path, so `../x` is simply not found.
  params: z.object({ name: z.string().describe('a hashed file name, as the page links it') }),
  response: Text,
  otherResponses: { 404: Text },
  responseType: 'text/javascript; charset=utf-8',
  otherTypes: { 'text/css; charset=utf-8': Text },
  examples: [
    { name: 'script', request: { params: { name: 'app-RCTJ7ES4.js' } }, response: { status: 200, body: 'var e=…' } },
    { name: 'style', request: { params: { name: 'app-VXWKSNJJ.css' } }, response: { status: 200, type: 'text/css; charset=utf-8', body: ':root{--ink:#1d2430}…' } },
    { name: 'unknown', request: { params: { name: '..%2Fpackage.json' } }, response: { status: 404, type: 'text/plain; charset=utf-8', body: 'not found' } },
  ],
};

/**
 * `GET /` (the app's page, revalidated each time) and `GET /assets/<hashed name>` (immutable), with
 * no authentication: they hold no data, and every data call the app makes needs a credential.
 * Without a build, `/` says how to make one.
 */
export function registerDashboardAssets(app: FastifyInstance, assets: DashboardAssets | undefined): void {
  app.get('/', { config: { doc: INDEX_DOC } }, async (_request, reply) => {
    reply.header('content-security-policy', DASHBOARD_CSP).header('x-frame-options', 'DENY').header('referrer-policy', 'no-referrer');
    if (!assets) {
      reply.code(503).type('text/plain; charset=utf-8');
      return NOT_BUILT;
    }
    reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8');
    return assets.index;
  });
  app.get('/assets/:name', { config: { doc: ASSET_DOC } }, async (request, reply) => {
    const file = assets?.files.get((request.params as { name: string }).name);
    if (!file) {
      reply.code(404).type('text/plain; charset=utf-8');
      return 'not found';
    }
    reply.header('cache-control', 'public, max-age=31536000, immutable').header('content-security-policy', DASHBOARD_CSP).type(file.type);
    return file.body;
  });
}
