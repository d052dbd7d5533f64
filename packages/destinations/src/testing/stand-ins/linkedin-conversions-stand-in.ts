/**
 * Contract stand-in for the LinkedIn Conversions API, `POST /rest/conversionEvents`
 * (`X-RestLi-Method: BATCH_CREATE`).
 *
 * Follows (shared/research/activation-contracts.md):
 * - §4.1 Bearer auth; `LinkedIn-Version: YYYYMM` required, each version active about 12 months,
 *   a sunset one answers 426; `X-Restli-Protocol-Version: 2.0.0`; rules must use
 *   conversionMethod CONVERSIONS_API (400 "... indices [i] (0-indexed)");
 *   https://learn.microsoft.com/en-us/linkedin/marketing/integrations/ads-reporting/conversions-api;
 * - §4.2 elements: conversion URN, conversionHappenedAt epoch ms within 90 days, conversionValue
 *   {currencyCode, amount string} (422 without amount), user.userIds (SHA256_EMAIL as 64 hex,
 *   LINKEDIN_FIRST_PARTY_ADS_TRACKING_UUID raw), userInfo needs firstName and lastName (422);
 * - §4.3 at most 5,000 elements; throttling is HTTP 429;
 * - §4.4 answers: 200 `{elements: [{status: 201}, ...]}` positionally, 401 REVOKED/INVALID/
 *   EXPIRED_ACCESS_TOKEN bodies, 400/422 error bodies naming indexes.
 * The missing-version error body is not in the research notes (§13 "verify"); this one is a 400.
 * Dedup on conversion + eventId is modelled on LinkedIn's Insight Tag dedup (uncertain for
 * Conversions API resends; see the package README).
 */
import type { StandIn, StandInAnswer } from '../stand-in-types.js';
import { startStandIn, type StandInOptions, type VendorContract } from '../stand-in-server.js';
import { asArray, isNonEmptyString, isObject, SHA256_HEX, type Json } from '../json-shape.js';
import { bearerToken } from '../local-server.js';

const DAY = 86_400_000;
const err = (status: number, message: string, extra: Json = {}): StandInAnswer => ({ status, body: { status, message, ...extra } });
const ID_TYPES = new Set(['SHA256_EMAIL', 'LINKEDIN_FIRST_PARTY_ADS_TRACKING_UUID', 'ACXIOM_ID', 'ORACLE_MOAT_ID']);

export interface LinkedinConversionsStandInOptions extends StandInOptions {
  /** Rule ids whose conversionMethod is not CONVERSIONS_API (sending to them is a 400). */
  readonly nonApiRules?: readonly string[];
  /** Oldest active LinkedIn-Version, YYYYMM. @defaultValue 12 months before the clock's now */
  readonly oldestVersion?: string;
}

const yyyymm = (ms: number) => {
  const d = new Date(ms);
  return d.getUTCFullYear() * 100 + d.getUTCMonth() + 1;
};

function elementError(e: unknown, i: number, now: number, nonApi: ReadonlySet<string>): { status: 400 | 422; message: string } | undefined {
  if (!isObject(e)) return { status: 400, message: `Index: ${i}, ERROR :: / :: not an object` };
  const rule = /^urn:lla:llaPartnerConversion:(\d+)$/.exec(String(e['conversion']))?.[1];
  if (!rule) return { status: 422, message: `Index: ${i}, ERROR :: /conversion :: not a conversion URN` };
  if (nonApi.has(rule)) return { status: 400, message: `Incorrect conversions information provided. Conversion's method should be CONVERSIONS_API, indices [${i}] (0-indexed)` };
  const t = e['conversionHappenedAt'];
  if (typeof t !== 'number' || !Number.isInteger(t) || t < 1e11) return { status: 422, message: `Index: ${i}, ERROR :: /conversionHappenedAt :: must be epoch milliseconds` };
  if (now - t > 90 * DAY || t > now + 5 * 60_000) return { status: 400, message: `Index: ${i}, ERROR :: /conversionHappenedAt :: must be within the last 90 days` };
  const v = e['conversionValue'];
  if (v !== undefined && (!isObject(v) || typeof v['amount'] !== 'string')) {
    return { status: 422, message: `Index: ${i}, ERROR :: /conversionValue/amount :: field is required but not found and has no default value\n` };
  }
  if (isObject(v) && !(typeof v['currencyCode'] === 'string' && /^[A-Z]{3}$/.test(v['currencyCode']))) return { status: 422, message: `Index: ${i}, ERROR :: /conversionValue/currencyCode :: invalid` };
  const user = isObject(e['user']) ? e['user'] : {};
  const ids = asArray(user['userIds']) ?? [];
  for (const id of ids) {
    if (!isObject(id) || !ID_TYPES.has(String(id['idType'])) || !isNonEmptyString(id['idValue'])) return { status: 422, message: `Index: ${i}, ERROR :: /user/userIds :: invalid idType or idValue` };
    if (id['idType'] === 'SHA256_EMAIL' && !SHA256_HEX.test(String(id['idValue']))) return { status: 422, message: `Index: ${i}, ERROR :: /user/userIds/idValue :: SHA256_EMAIL must be a SHA-256 hex digest` };
  }
  const info = user['userInfo'];
  if (info !== undefined && (!isObject(info) || !isNonEmptyString(info['firstName']) || !isNonEmptyString(info['lastName']))) {
    return { status: 422, message: `Index: ${i}, ERROR :: /user/userInfo/firstName :: field is required but not found and has no default value\nERROR :: /user/userInfo/lastName :: field is required but not found and has no default value\n` };
  }
  if (ids.length === 0 && info === undefined) return { status: 422, message: `Index: ${i}, ERROR :: /user/userIds :: at least one user id or userInfo is required` };
  return undefined;
}

/** Starts the stand-in on a free port. */
export async function startLinkedinConversionsStandIn(options: LinkedinConversionsStandInOptions = {}): Promise<StandIn<Json>> {
  const clock = options.clock ?? { now: () => Date.now() };
  const nonApi = new Set(options.nonApiRules ?? []);
  const contract: VendorContract<Json> = {
    name: 'linkedin-conversions',
    dedupWindowMs: Infinity,
    route: (r) => r.method === 'POST' && r.path === '/rest/conversionEvents',
    notFound: (r) => err(404, `No virtual resource found for ${r.path}`),
    credential: (r) => bearerToken(r.headers),
    unauthorized: (_r, why) =>
      why === 'expired'
        ? err(401, 'The token used in the request has expired', { serviceErrorCode: 65602, code: 'EXPIRED_ACCESS_TOKEN' })
        : err(401, 'Invalid access token', { serviceErrorCode: 65600, code: 'INVALID_ACCESS_TOKEN' }),
    precheck(r) {
      const v = r.headers['linkedin-version'];
      if (!v || !/^20\d{2}(0[1-9]|1[0-2])$/.test(v)) return err(400, 'A version must be present. Please specify a version by adding the LinkedIn-Version header.', { code: 'VERSION_MISSING' });
      const oldest = Number(options.oldestVersion ?? yyyymm(clock.now() - 365 * DAY));
      if (Number(v) < oldest || Number(v) > yyyymm(clock.now())) return err(426, `Requested version ${v} is not active`, { code: 'NONEXISTENT_VERSION' });
      if (r.headers['x-restli-protocol-version'] !== '2.0.0') return err(400, 'X-Restli-Protocol-Version 2.0.0 is required');
      return undefined;
    },
    rateLimited: () => err(429, 'Resource level throttle limit for calls to this resource is reached.', { code: 'TOO_MANY_REQUESTS' }),
    errorBody: (status) => ({ status, message: status >= 500 ? 'Internal Server Error (injected)' : status === 429 ? 'Throttled (injected)' : 'Bad request (injected)' }),
    handle(req, ctx) {
      if (req.headers['x-restli-method'] !== 'BATCH_CREATE') return err(400, 'A batch body needs X-RestLi-Method: BATCH_CREATE');
      const elements = isObject(req.body) ? asArray(req.body['elements']) : undefined;
      if (!elements || elements.length === 0) return err(400, 'elements is required');
      if (elements.length > 5000) return err(400, `Batch size ${elements.length} exceeds the maximum of 5000`);
      for (let i = 0; i < elements.length; i++) {
        const bad = elementError(elements[i], i, ctx.now, nonApi);
        if (bad) return err(bad.status, bad.message);
      }
      const statuses = (elements as Json[]).map((e, i) => {
        if (ctx.partial?.indexes.includes(i)) return { status: 400, error: { message: 'Scripted element failure', code: ctx.partial.code ?? 'INVALID_CONVERSION' } };
        ctx.accept(`${/\d+$/.exec(String(e['conversion']))?.[0]}:${isNonEmptyString(e['eventId']) ? e['eventId'] : `#${ctx.request}.${i}`}`, e);
        return { status: 201 };
      });
      return { status: 200, body: { elements: statuses } };
    },
  };
  return startStandIn(contract, options);
}
