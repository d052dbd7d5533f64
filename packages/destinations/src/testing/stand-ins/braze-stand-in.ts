/**
 * Contract stand-in for Braze `POST /users/track`.
 *
 * Follows (shared/research/activation-contracts.md §8.1; https://www.braze.com/docs/api/endpoints/user_data/post_user_track/,
 * https://www.braze.com/docs/api/api_limits/):
 * - Bearer REST API key; body `{attributes, events, purchases}`, at most 75 objects per array
 *   (400 beyond: the research notes the 75 wording differs between doc revisions; per array here);
 * - every object needs one identifier: external_id, user_alias, braze_id, email or phone;
 *   events need `name` and an ISO-8601 `time`;
 * - answers 201 `{message: "success", attributes_processed, events_processed, purchases_processed}`;
 *   object-level failures stay 201 with `errors[{type, input_array, index}]`; a request refused as
 *   a whole is 400 `{message}`; 401 for a bad key;
 * - rate limit 3,000 requests / 3 s per workspace: 429 with X-RateLimit-Limit / -Remaining /
 *   -Reset (epoch seconds).
 * Attributes are idempotent per identifier (counted once); Braze documents no dedup for custom
 * events, so every event arrival counts (`events()`).
 */
import type { StandIn, StandInAnswer } from '../stand-in-types.js';
import type { Clock } from '../../contract/context.js';
import { startStandIn, withVendorState, type HandlerContext, type StandInOptions, type VendorContract } from '../stand-in-server.js';
import { asArray, isNonEmptyString, isObject, type Json } from '../json-shape.js';
import { bearerToken } from '../local-server.js';

const IDS = ['external_id', 'user_alias', 'braze_id', 'email', 'phone'] as const;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const message = (status: number, text: string): StandInAnswer => ({ status, body: { message: text } });

export interface BrazeStandIn extends StandIn<Json> {
  /** Users by identifier with merged attributes. */
  readonly users: ReadonlyMap<string, Json>;
  /** Every custom event that arrived (Braze does not dedup them). */
  events(): readonly Json[];
}

const idOf = (o: Json): string | undefined => {
  for (const k of IDS) if (o[k] !== undefined && o[k] !== null) return `${k}:${typeof o[k] === 'string' ? o[k] : JSON.stringify(o[k])}`;
  return undefined;
};

/** The vendor's side: users by identifier, and every custom event that arrived. */
interface BrazeState {
  readonly users: Map<string, Json>;
  readonly events: Json[];
}

/** Why one object of `attributes` or `events` fails, or undefined (a scripted failure hits attributes). */
function objectError(input: 'attributes' | 'events', o: unknown, i: number, ctx: HandlerContext<Json>): string | undefined {
  if (ctx.partial?.indexes.includes(i) && input === 'attributes') return "'external_id' is not valid (scripted)";
  if (!isObject(o) || idOf(o) === undefined) return 'Object must include an external_id, user_alias, braze_id, email or phone';
  if (input === 'events' && !isNonEmptyString(o['name'])) return "'name' is required";
  if (input === 'events' && !(typeof o['time'] === 'string' && ISO.test(o['time']))) return "'time' must be a valid time";
  return undefined;
}

/** `POST /users/track`: 400 for the request as a whole, else 201 with object-level errors. */
function track(state: BrazeState, body: unknown, ctx: HandlerContext<Json>): StandInAnswer {
  const b = isObject(body) ? body : {};
  const arrays = { attributes: asArray(b['attributes']) ?? [], events: asArray(b['events']) ?? [], purchases: asArray(b['purchases']) ?? [] };
  if (arrays.attributes.length + arrays.events.length + arrays.purchases.length === 0) return message(400, 'Request must include attributes, events or purchases');
  for (const [name, list] of Object.entries(arrays)) if (list.length > 75) return message(400, `Too many ${name}: at most 75 objects per request`);
  const errors: Json[] = [];
  let attrsDone = 0;
  let eventsDone = 0;
  arrays.attributes.forEach((o, i) => {
    const bad = objectError('attributes', o, i, ctx);
    if (bad) return void errors.push({ type: bad, input_array: 'attributes', index: i });
    const a = o as Json;
    const key = idOf(a)!;
    state.users.set(key, { ...(state.users.get(key) ?? {}), ...a });
    ctx.accept(key, a);
    attrsDone++;
  });
  arrays.events.forEach((o, i) => {
    const bad = objectError('events', o, i, ctx);
    if (bad) return void errors.push({ type: bad, input_array: 'events', index: i });
    state.events.push(o as Json);
    eventsDone++;
  });
  return {
    status: 201,
    body: { message: 'success', attributes_processed: attrsDone, events_processed: eventsDone, purchases_processed: 0, ...(errors.length ? { errors } : {}) },
  };
}

function brazeContract(clock: Clock, state: BrazeState): VendorContract<Json> {
  return {
    name: 'braze',
    dedupWindowMs: Infinity,
    route: (r) => r.method === 'POST' && r.path === '/users/track',
    notFound: () => message(404, 'Not Found'),
    credential: (r) => bearerToken(r.headers),
    unauthorized: () => message(401, 'Invalid API key: check that the key exists and has the users.track permission'),
    rateLimited: (ms) => ({
      status: 429,
      headers: { 'x-ratelimit-limit': '3000', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.ceil((clock.now() + ms) / 1000)) },
      body: { message: 'API rate limit exceeded' },
    }),
    errorBody: (status) => ({ message: status >= 500 ? 'Internal Server Error (injected)' : status === 429 ? 'API rate limit exceeded' : 'Bad Request (injected)' }),
    handle: (req, ctx) => track(state, req.body, ctx),
  };
}

/** Starts the stand-in on a free port. */
export async function startBrazeStandIn(options: StandInOptions = {}): Promise<BrazeStandIn> {
  const state: BrazeState = { users: new Map(), events: [] };
  const base = await startStandIn(brazeContract(options.clock ?? { now: () => Date.now() }, state), options);
  return withVendorState(base, { users: state.users as ReadonlyMap<string, Json>, events: () => state.events }, () => {
    state.users.clear();
    state.events.length = 0;
  });
}
