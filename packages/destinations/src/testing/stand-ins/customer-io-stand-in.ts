/**
 * Contract stand-in for the Customer.io Track API v2 batch endpoint, `POST /api/v2/batch`.
 *
 * Follows (shared/research/activation-contracts.md §8.2; https://docs.customer.io/api/track/):
 * - HTTP Basic `site_id:api_key`; US and EU hosts;
 * - body `{batch: [...]}` up to about 500 KB (413 beyond; 32 KB per entry); entries
 *   `{type: "person", identifiers: {id | email | cio_id}, action: identify | event | delete,
 *   attributes, name (events), id (ULID, dedups events), timestamp (Unix seconds)}`;
 * - answers: 200 `{}`; per-entry refusals as 207 `{errors: [{batch_index, reason, field, message}]}`;
 *   401 for bad credentials; 429 when over the ~100 requests/s fair use.
 * The research notes give the v2 error fields without `batch_index`; naming the entry by
 * `batch_index` in a 207 is this stand-in's reading of Customer.io's batch docs (see README).
 */
import { Buffer } from 'node:buffer';
import type { StandIn, StandInAnswer } from '../stand-in-types.js';
import { startStandIn, type StandInOptions, type VendorContract } from '../stand-in-server.js';
import { asArray, isNonEmptyString, isObject, type Json } from '../json-shape.js';

const ULID = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;
const errors = (status: number, list: Json[]): StandInAnswer => ({ status, body: { errors: list } });

export interface CustomerIoStandIn extends StandIn<Json> {
  /** People by `<identifier type>:<value>`, attributes merged. */
  readonly people: ReadonlyMap<string, Json>;
}

function entryError(e: unknown, i: number): Json | undefined {
  const at = (reason: string, field: string, message: string) => ({ batch_index: i, reason, field, message });
  if (!isObject(e) || e['type'] !== 'person') return at('invalid', 'type', 'type must be person');
  const ids = isObject(e['identifiers']) ? Object.entries(e['identifiers']).filter(([k, v]) => ['id', 'email', 'cio_id'].includes(k) && isNonEmptyString(v)) : [];
  if (ids.length !== 1) return at('required', 'identifiers', 'exactly one of id, email or cio_id is required');
  if (Buffer.byteLength(JSON.stringify(e)) > 32 * 1024) return at('too_large', '', 'entry exceeds 32 KB');
  if (!['identify', 'event', 'delete'].includes(String(e['action']))) return at('invalid', 'action', 'unsupported action');
  if (e['action'] === 'event') {
    if (!isNonEmptyString(e['name'])) return at('required', 'name', 'event name is required');
    if (e['id'] !== undefined && !(typeof e['id'] === 'string' && ULID.test(e['id']))) return at('invalid', 'id', 'id must be a ULID');
    if (e['timestamp'] !== undefined && !(Number.isInteger(e['timestamp']) && (e['timestamp'] as number) < 1e11)) return at('invalid', 'timestamp', 'timestamp must be Unix seconds');
  }
  if (e['attributes'] !== undefined && !isObject(e['attributes'])) return at('invalid', 'attributes', 'attributes must be an object');
  return undefined;
}

/** Starts the stand-in on a free port; `accessToken` is `"<site_id>:<api_key>"`. */
export async function startCustomerIoStandIn(options: StandInOptions = {}): Promise<CustomerIoStandIn> {
  const people = new Map<string, Json>();
  const contract: VendorContract<Json> = {
    name: 'customer-io',
    dedupWindowMs: Infinity,
    route: (r) => r.method === 'POST' && r.path === '/api/v2/batch',
    notFound: () => errors(404, [{ reason: 'not_found', message: 'Not Found' }]),
    credential: (r) => {
      const m = /^Basic (.+)$/.exec(r.headers['authorization'] ?? '');
      return m ? Buffer.from(m[1]!, 'base64').toString('utf8') : null;
    },
    unauthorized: () => errors(401, [{ reason: 'unauthorized', message: 'Unauthorized request: check your site id and API key' }]),
    rateLimited: () => errors(429, [{ reason: 'rate_limited', message: 'Too many requests' }]),
    errorBody: (status) => ({ errors: [{ reason: status >= 500 ? 'internal' : status === 429 ? 'rate_limited' : 'invalid', message: `injected ${status}` }] }),
    handle(req, ctx) {
      if (Buffer.byteLength(req.rawBody) > 500 * 1024) return errors(413, [{ reason: 'too_large', message: 'batch exceeds 500 KB' }]);
      const batch = isObject(req.body) ? asArray(req.body['batch']) : undefined;
      if (!batch || batch.length === 0) return errors(400, [{ reason: 'required', field: 'batch', message: 'batch is required' }]);
      const refused: Json[] = [];
      (batch as Json[]).forEach((e, i) => {
        const bad = ctx.partial?.indexes.includes(i) ? { batch_index: i, reason: ctx.partial.code ?? 'invalid', field: 'attributes', message: 'scripted refusal' } : entryError(e, i);
        if (bad) return void refused.push(bad);
        const [type, value] = Object.entries(e['identifiers'] as Json).find(([, v]) => isNonEmptyString(v))!;
        const who = `${type}:${String(value)}`;
        if (e['action'] === 'event') return void ctx.accept(isNonEmptyString(e['id']) ? `event-id:${e['id']}` : `event:#${ctx.request}.${i}`, e);
        if (e['action'] === 'delete') return void people.delete(who);
        people.set(who, { ...(people.get(who) ?? {}), ...(isObject(e['attributes']) ? e['attributes'] : {}) });
        ctx.accept(`person:${who}`, e);
      });
      return refused.length ? errors(207, refused) : { status: 200, body: {} };
    },
  };
  const base = await startStandIn(contract, options);
  const reset = base.reset;
  return Object.assign(base, { people: people as ReadonlyMap<string, Json>, reset: () => (reset(), people.clear()) });
}
