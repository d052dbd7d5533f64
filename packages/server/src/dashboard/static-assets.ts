import type { FastifyInstance } from 'fastify';
import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';

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

/**
 * `GET /` (the app's page, revalidated each time) and `GET /assets/<hashed name>` (immutable), with
 * no authentication: they hold no data, and every data call the app makes needs a credential.
 * Without a build, `/` says how to make one.
 */
export function registerDashboardAssets(app: FastifyInstance, assets: DashboardAssets | undefined): void {
  app.get('/', async (_request, reply) => {
    reply.header('content-security-policy', DASHBOARD_CSP).header('x-frame-options', 'DENY').header('referrer-policy', 'no-referrer');
    if (!assets) {
      reply.code(503).type('text/plain; charset=utf-8');
      return 'The dashboard is not built: run `npm run build` (npm ci runs it) and restart.';
    }
    reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8');
    return assets.index;
  });
  app.get('/assets/:name', async (request, reply) => {
    const file = assets?.files.get((request.params as { name: string }).name);
    if (!file) {
      reply.code(404).type('text/plain; charset=utf-8');
      return 'not found';
    }
    reply.header('cache-control', 'public, max-age=31536000, immutable').header('content-security-policy', DASHBOARD_CSP).type(file.type);
    return file.body;
  });
}
