/**
 * Contract stand-in for Meta custom audience users: `POST` (add) and `DELETE` (remove)
 * `/{version}/{audience_id}/users`.
 *
 * Follows (activation-contracts.md §2.1 for Graph auth: `access_token` in the query or body; §2.4
 * for the hashing of customer information: SHA-256 lowercase hex after normalisation; §2.6-§2.7
 * for Graph error bodies and throttling codes, 80003 being the custom-audience family; the users
 * edge itself from developers.facebook.com/docs/marketing-api/audiences/guides/custom-audiences,
 * which the research notes do not reproduce):
 * - body `{payload: {schema: [...keys], data: [[...values aligned to schema]]}}`, at most 10,000
 *   rows; EMAIL, PHONE, FN, LN, ZIP, CT, ST, COUNTRY, DOBY, GEN must be SHA-256 hex or "";
 *   EXTERN_ID and MADID are sent as is;
 * - answer `{audience_id, session_id, num_received, num_invalid_entries, invalid_entry_samples}`;
 *   an entry with a malformed hash is skipped and counted invalid, the rest applied;
 * - an unknown audience is Graph code 100; a bad token code 190.
 */
import type { StandIn, StandInAnswer } from '../stand-in-types.js';
import { startStandIn, type StandInOptions, type VendorContract } from '../stand-in-server.js';
import { asArray, isObject, SHA256_HEX, type Json } from '../json-shape.js';
import { graphError } from './meta-capi-stand-in.js';

const HASHED = new Set(['EMAIL', 'PHONE', 'FN', 'LN', 'ZIP', 'CT', 'ST', 'COUNTRY', 'DOBY', 'GEN', 'FI']);
const KNOWN = new Set([...HASHED, 'EXTERN_ID', 'MADID', 'DOBM', 'DOBD']);
const ROUTE = /^\/(v\d+\.\d+)\/(\d+)\/users$/;

export interface MetaCustomAudienceStandInOptions extends StandInOptions {
  /** The audience id that exists. @defaultValue any numeric id */
  readonly audienceId?: string;
}

/** Starts the stand-in on a free port. */
export async function startMetaCustomAudienceStandIn(options: MetaCustomAudienceStandInOptions = {}): Promise<StandIn<Json>> {
  const members = new Set<string>();
  let session = 0;
  const contract: VendorContract<Json> = {
    name: 'meta-custom-audience',
    dedupWindowMs: Infinity,
    route: (r) => (r.method === 'POST' || r.method === 'DELETE') && ROUTE.test(r.path),
    notFound: (r) => graphError(400, 803, `Unknown path components: ${r.path}`),
    credential: (r) => r.query['access_token'] ?? (isObject(r.body) && typeof r.body['access_token'] === 'string' ? r.body['access_token'] : null),
    unauthorized: () => graphError(400, 190, 'Invalid OAuth access token - Cannot parse access token'),
    rateLimited: () => graphError(400, 80003, 'There have been too many calls to this ad-account. Wait a bit and try again.', { is_transient: true }),
    errorBody: (status) =>
      status >= 500
        ? { error: { message: 'An unexpected error has occurred. Please retry your request later.', type: 'OAuthException', code: 2, is_transient: true } }
        : { error: { message: 'Invalid parameter', type: 'OAuthException', code: 100 } },
    handle(req, ctx): StandInAnswer {
      const [, , audience] = ROUTE.exec(req.path)!;
      if (options.audienceId && audience !== options.audienceId) return graphError(400, 100, `Unsupported post request. Object with ID '${audience}' does not exist`, { error_subcode: 33 });
      const payload = isObject(req.body) && isObject(req.body['payload']) ? req.body['payload'] : undefined;
      const schema = payload ? asArray(payload['schema']) : undefined;
      const data = payload ? asArray(payload['data']) : undefined;
      if (!schema || schema.length === 0 || !schema.every((k) => typeof k === 'string' && KNOWN.has(k))) return graphError(400, 100, 'Invalid parameter: payload.schema must list known keys');
      if (!data || data.length === 0) return graphError(400, 100, 'Invalid parameter: payload.data is empty');
      if (data.length > 10_000) return graphError(400, 100, 'Invalid parameter: at most 10000 users per request');
      const samples: Record<string, string> = {};
      let invalid = 0;
      (data as unknown[]).forEach((row, i) => {
        const values = Array.isArray(row) && row.length === schema.length ? (row as unknown[]) : undefined;
        const badAt = values ? values.findIndex((v, j) => typeof v !== 'string' || (HASHED.has(String(schema[j])) && v !== '' && !SHA256_HEX.test(v))) : 0;
        const scripted = ctx.partial?.indexes.includes(i);
        if (!values || badAt >= 0 || scripted) {
          invalid++;
          const shown = values?.find((v) => typeof v === 'string' && v !== '');
          if (shown !== undefined) samples[String(shown)] = scripted ? 'Invalid entry (scripted)' : `Invalid ${String(schema[badAt])} value`;
          return;
        }
        const strings = values as string[];
        const idx = (k: string) => schema.indexOf(k);
        const key = strings[idx('EMAIL')] ? `email:${strings[idx('EMAIL')]}` : strings[idx('PHONE')] ? `phone:${strings[idx('PHONE')]}` : `extern:${strings[idx('EXTERN_ID')] ?? ''}`;
        if (req.method === 'DELETE') members.delete(key);
        else {
          members.add(key);
          ctx.accept(key, { values: strings });
        }
      });
      return { status: 200, body: { audience_id: audience, session_id: String(++session), num_received: data.length, num_invalid_entries: invalid, invalid_entry_samples: samples } };
    },
  };
  const base = await startStandIn(contract, options);
  const reset = base.reset;
  return Object.assign(base, { members: () => new Set(members), reset: () => (reset(), members.clear()) });
}
