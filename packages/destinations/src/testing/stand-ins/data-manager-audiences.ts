/**
 * Customer Match through the Data Manager stand-in: `POST /v1/audienceMembers:ingest` and
 * `POST /v1/audienceMembers:remove`.
 *
 * Follows (activation-contracts.md §1.11 for the shared rules: destinations <= 10 with
 * operatingAccount and productDestinationId, Bearer auth, `encoding` required with user data,
 * hashes as 64 lowercase hex, fast-fail google.rpc.Status with field violations, `{requestId}`
 * answers processed asynchronously; developers.google.com/data-manager/api/reference/rest/v1/audienceMembers
 * for the member shape): `audienceMembers[{userData: {userIdentifiers}, consent?}]`, at most
 * 10,000 per request; ingest needs `termsOfService.customerMatchTermsOfServiceStatus: ACCEPTED`.
 * The member limit and the terms field are our reading of the v1 reference (not in the research
 * notes; see the README).
 */
import type { HandlerContext } from '../stand-in-server.js';
import type { RecordedRequest, StandInAnswer } from '../stand-in-types.js';
import { asArray, isObject, type Json } from '../json-shape.js';
import { checkUserData, googleError, type Violation } from './data-manager-checks.js';

/** A member's key: its first identifier, as the destination's dedup key names it. */
export function memberKey(member: Json): string | undefined {
  const ids = isObject(member['userData']) ? asArray(member['userData']['userIdentifiers']) : undefined;
  const first = ids?.[0];
  if (!isObject(first)) return undefined;
  if (typeof first['emailAddress'] === 'string') return `email:${first['emailAddress']}`;
  if (typeof first['phoneNumber'] === 'string') return `phone:${first['phoneNumber']}`;
  const a = isObject(first['address']) ? first['address'] : {};
  return `address:${String(a['givenName'])}:${String(a['familyName'])}:${String(a['regionCode'])}:${String(a['postalCode'])}`;
}

/** Validates and applies one ingest or remove request to the user lists. */
export function handleAudienceMembers(req: RecordedRequest, ctx: HandlerContext<Json>, lists: Map<string, Set<string>>): StandInAnswer {
  const remove = req.path.endsWith(':remove');
  const b = isObject(req.body) ? req.body : undefined;
  if (!b) return googleError(400, 'Invalid JSON payload received.');
  const v: Violation[] = [];
  const dests = asArray(b['destinations']) ?? [];
  if (dests.length === 0 || dests.length > 10) v.push({ field: 'destinations', description: 'between 1 and 10 destinations', reason: 'INVALID_ARGUMENT' });
  const listIds = dests.map((d, j) => {
    const op = isObject(d) && isObject(d['operatingAccount']) ? d['operatingAccount'] : undefined;
    if (!op || op['accountType'] !== 'GOOGLE_ADS' || !/^\d{10}$/.test(String(op['accountId']))) v.push({ field: `destinations[${j}].operating_account`, description: 'operatingAccount required', reason: 'INVALID_ARGUMENT' });
    const id = isObject(d) ? String(d['productDestinationId']) : '';
    if (!/^\d+$/.test(id)) v.push({ field: `destinations[${j}].product_destination_id`, description: 'the user list id is required', reason: 'INVALID_PRODUCT_DESTINATION_ID' });
    return id;
  });
  const members = asArray(b['audienceMembers']);
  if (!members || members.length === 0) return googleError(400, 'audienceMembers must not be empty', [{ field: 'audience_members', description: 'at least one member', reason: 'INVALID_ARGUMENT' }]);
  if (members.length > 10_000) return googleError(400, 'Too many audience members in the request.', [{ field: 'audience_members', description: 'at most 10000 members per request', reason: 'TOO_MANY_AUDIENCE_MEMBERS' }]);
  if (!remove && !(isObject(b['termsOfService']) && b['termsOfService']['customerMatchTermsOfServiceStatus'] === 'ACCEPTED')) {
    v.push({ field: 'terms_of_service', description: 'the Customer Match terms of service must be accepted', reason: 'TERMS_OF_SERVICE_NOT_ACCEPTED' });
  }
  members.forEach((m, i) => {
    const path = `audience_members[${i}]`;
    if (!isObject(m) || !checkUserData(m['userData'], path, v)) v.push({ field: `${path}.user_data`, description: 'userData with identifiers is required', reason: 'NO_IDENTIFIERS_PROVIDED' });
  });
  if (!['HEX', 'BASE64'].includes(String(b['encoding']))) v.push({ field: 'encoding', description: 'encoding is required when user data is sent', reason: 'INVALID_ARGUMENT' });
  for (const i of ctx.partial?.indexes ?? []) {
    if (i < members.length) v.push({ field: `audience_members[${i}].user_data.user_identifiers[0]`, description: 'scripted failure', reason: ctx.partial?.code ?? 'INVALID_SHA256_FORMAT' });
  }
  if (v.length) return googleError(400, 'There was a problem with the request.', v);
  const validateOnly = b['validateOnly'] === true;
  for (const m of members as Json[]) {
    const key = memberKey(m)!;
    for (const list of listIds) {
      if (validateOnly) {
        ctx.acceptTest(key, m);
        continue;
      }
      const set = lists.get(list) ?? new Set<string>();
      lists.set(list, set);
      if (remove) set.delete(key);
      else {
        set.add(key);
        ctx.accept(`${list}|${key}`, m);
      }
    }
  }
  return { status: 200, body: { requestId: `stand-in-${ctx.request}-${Math.floor(ctx.random() * 1e9)}` } };
}
