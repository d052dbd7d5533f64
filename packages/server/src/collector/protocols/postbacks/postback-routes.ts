import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ClientError } from '../../../http/client-error.js';
import { requestFacts } from '../../tracking-routes.js';
import { fieldNames, toIngest, type Mapping } from '../mapped-batch.js';
import type { ProtocolDeps } from '../protocol-deps.js';
import { protocolErrorHandler } from '../protocol-errors.js';
import { bodyBytes, gunzipBounded, isGzip, parseJsonText } from '../raw-bodies.js';
import { keyProblem, lookUpKey } from '../source-key.js';
import type { RouteDoc } from '../../../http/route-doc.js';
import { APPSFLYER_FIELDS, mapAppsFlyer } from './appsflyer.js';
import { BRANCH_FIELDS, mapBranch } from './branch.js';
import { APPSFLYER_DOC, BRANCH_DOC } from './postback-route-docs.js';

interface Provider {
  readonly map: (raw: unknown) => Mapping;
  readonly fields: Readonly<Record<string, string>>;
  readonly doc: RouteDoc;
}

const PROVIDERS: Readonly<Record<string, Provider>> = {
  appsflyer: { map: mapAppsFlyer, fields: APPSFLYER_FIELDS, doc: APPSFLYER_DOC },
  branch: { map: mapBranch, fields: BRANCH_FIELDS, doc: BRANCH_DOC },
};

/**
 * The postback's secret: the write key of a server-side source (one never put in a page), in the
 * path (`/postbacks/<provider>/<key>`: AppsFlyer's and Branch's consoles take a URL) or as
 * `Authorization: Bearer <key>` / `X-Touchline-Key`.
 */
function keyOf(request: FastifyRequest): string | undefined {
  const inPath = (request.params as { key?: string }).key;
  if (inPath) return inPath;
  const auth = request.headers.authorization;
  if (typeof auth === 'string' && /^bearer /i.test(auth)) return auth.slice(7).trim();
  const h = request.headers['x-touchline-key'];
  return typeof h === 'string' ? h : undefined;
}

async function postback(deps: ProtocolDeps, provider: Provider, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const key = lookUpKey(deps.sources, keyOf(request));
  if (!key.ok) throw new ClientError(401, 'unauthorized', keyProblem(key.why, 'the postback URL\'s last segment (/postbacks/<provider>/<writeKey>), or as `Authorization: Bearer`'));
  let bytes = bodyBytes(request.body);
  if (isGzip(bytes)) bytes = gunzipBounded(bytes, deps.maxBatchBytes);
  const parsed = parseJsonText(bytes.toString('utf8'));
  if (!parsed.ok) throw new ClientError(400, 'invalid_json', bytes.length === 0 ? 'the request body is empty' : parsed.message);
  // One event per postback; an array (a replay tool, a batch export) is taken event by event.
  const raw = Array.isArray(parsed.value) ? parsed.value : [parsed.value];
  const facts = requestFacts(request, key.source, deps.now());
  const { events, batch } = toIngest(raw, raw.map(provider.map), fieldNames(provider.fields));
  const r = await deps.ingest(events, facts, undefined, batch);
  if (r.rejected.length > 0) reply.code(400);
  return { success: r.rejected.length === 0, accepted: r.accepted, duplicates: r.duplicates, rejected: r.rejected };
}

/** AppsFlyer's Push API and Branch's webhooks: server to server (no CORS), authenticated, deduplicated. */
export function registerPostbackRoutes(app: FastifyInstance, deps: ProtocolDeps): void {
  app.setErrorHandler(protocolErrorHandler(deps, () => 'limits.maxBatchBytes'));
  for (const [name, provider] of Object.entries(PROVIDERS)) {
    for (const path of [`/postbacks/${name}`, `/postbacks/${name}/:key`]) {
      app.post(path, { bodyLimit: deps.maxBatchBytes, config: { cors: 'none', doc: provider.doc } }, (req, reply) => postback(deps, provider, req, reply));
    }
  }
}
