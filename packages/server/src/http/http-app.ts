import Fastify, { type FastifyInstance, type FastifyServerOptions, type HTTPMethods } from 'fastify';
import { registerBodyParsing } from './body-parsing.js';
import { serverOptions, type ListenerLimits } from './listener-limits.js';
import { requestIds } from './request-id.js';
import { validateDeclared } from './route-doc.js';

/** A route as the app registered it: the table that tests and the later policy check walk. */
export interface RouteEntry {
  readonly method: HTTPMethods;
  readonly url: string;
  readonly config: Readonly<Record<string, unknown>>;
}

export interface HttpAppOptions {
  readonly limits: ListenerLimits;
  /** Largest request body (bytes); routes may set less. */
  readonly bodyLimit: number;
  readonly trustProxy?: FastifyServerOptions['trustProxy'];
}

const tables = new WeakMap<FastifyInstance, RouteEntry[]>();

/**
 * What both listeners share: fastify without a per-request logger (it costs more than the rest of a
 * single-event request's bookkeeping), the limits, JSON / text / gzip bodies, a JSON 404, and a
 * table of the routes added.
 */
export function createHttpApp(o: HttpAppOptions): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: o.bodyLimit,
    return503OnClosing: true,
    genReqId: requestIds(),
    ...(o.trustProxy === undefined ? {} : { trustProxy: o.trustProxy }),
    ...serverOptions(o.limits),
  });
  const table: RouteEntry[] = [];
  tables.set(app, table);
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) table.push({ method, url: r.url, config: (r.config ?? {}) as Record<string, unknown> });
  });
  // Every answer names its request: a sender quotes it, an operator finds it in the logs and in failed_events.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  registerBodyParsing(app);
  // A route that declares schemas (config.doc) is validated by them: the spec describes what is enforced.
  validateDeclared(app);
  app.setNotFoundHandler(async (request, reply) => {
    reply.code(404);
    return { success: false, error: 'not_found', message: `no route ${request.method} ${request.url.replace(/\?.*$/s, '')}` };
  });
  return app;
}

/** Every route added to an app made by {@link createHttpApp}, HEAD and OPTIONS included. */
export function routeTable(app: FastifyInstance): readonly RouteEntry[] {
  return tables.get(app) ?? [];
}

/** Listens, caps connections, and returns the URL a local client reaches it at. */
export async function listen(app: FastifyInstance, at: { host: string; port: number; maxConnections: number }): Promise<string> {
  app.server.maxConnections = at.maxConnections;
  await app.listen({ port: at.port, host: at.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : at.port;
  return `http://${clientHost(at.host)}:${port}`;
}

/** A wildcard address is reached on loopback; an IPv6 literal needs brackets in a URL. */
export function clientHost(host: string): string {
  if (host === '' || host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
