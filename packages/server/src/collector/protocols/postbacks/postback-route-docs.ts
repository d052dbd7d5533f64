import { z } from 'zod';
import type { RouteDoc } from '../../../http/route-doc.js';

// AppsFlyer's Push API and Branch's webhooks as Touchline takes them (postback-routes.ts): one
// event per POST, or an array (a replay); each judged alone (`validates: 'handler'`).

const S = z.string();
const Id = z.union([S, z.number()]);

export const AppsFlyerEvent = z
  .looseObject({
    appsflyer_id: S.describe('Required: the anonymous id'),
    customer_user_id: S.optional().nullable().describe('The user id, once the app set it at sign-in'),
    event_type: S.optional().describe('`install`, `re-engagement`… are arrivals (a screen with the attributed campaign); `in-app-event` a track'),
    event_name: S.optional().describe('Required on an in-app event'),
    event_time: S.optional().describe('"yyyy-MM-dd HH:mm:ss(.SSS)" (UTC) or ISO-8601'),
    event_value: z.union([S, z.looseObject({})]).optional().describe('A JSON object or a string of one: the properties'),
    media_source: S.optional().nullable(),
    campaign: S.optional().nullable(),
    original_url: S.optional().nullable(),
  })
  .describe('One AppsFlyer Push API message');

export const BranchEvent = z
  .looseObject({
    name: S.describe('Required: the event (`INSTALL`, `OPEN`, `PURCHASE`…)'),
    id: Id.describe('Required: Branch\'s event id, the dedup key'),
    timestamp: Id.optional().describe('Milliseconds since the epoch or ISO-8601'),
    user_data: z.looseObject({ idfv: S.optional(), aaid: S.optional(), developer_identity: S.optional() }).optional().describe('A device id or `developer_identity` is required'),
    event_data: z.looseObject({}).optional(),
    custom_data: z.looseObject({}).optional(),
    last_attributed_touch_data: z.looseObject({}).optional(),
  })
  .describe('One Branch webhook (Webhooks 2.0)');

const Key = z.object({ key: S.describe('A server-side source\'s write key (or send it as `Authorization: Bearer`)') });
const Answer = z.object({ success: z.boolean(), accepted: z.number().int(), duplicates: z.number().int(), rejected: z.array(z.object({ index: z.number().int(), reason: S, field: S })) });
const UNKNOWN_KEY = { success: false, error: 'unauthorized', message: 'unknown write key' };

const postbackDoc = (provider: string, event: z.ZodType, good: object, bad: object, refused: { reason: string; field: string }): RouteDoc => ({
  summary: `${provider} postback: one event (or an array of them), keyed by the URL's last segment or a Bearer token`,
  security: 'none',
  validates: 'handler',
  params: Key,
  body: z.union([event, z.array(event)]),
  response: Answer,
  otherResponses: { 400: z.union([Answer, z.looseObject({ success: z.literal(false), error: S, message: S })]) },
  examples: [
    { name: 'stored', request: { params: { key: 'wk_server_8e2b' }, body: good }, response: { status: 200, body: { success: true, accepted: 1, duplicates: 0, rejected: [] } } },
    { name: 'one refused, the other kept', request: { params: { key: 'wk_server_8e2b' }, body: [good, bad] }, response: { status: 400, body: { success: false, accepted: 1, duplicates: 0, rejected: [{ index: 1, ...refused }] } } },
    { name: 'unknown key', request: { params: { key: 'wk_nope' }, body: good }, response: { status: 401, body: UNKNOWN_KEY } },
  ],
});

const INSTALL = { appsflyer_id: '1733212345678-1234567', event_type: 'install', event_name: 'install', event_time: '2026-12-07 09:15:00.120', media_source: 'googleadwords_int', campaign: 'winter_sale' };
export const APPSFLYER_DOC = postbackDoc('AppsFlyer Push API', AppsFlyerEvent, INSTALL, { ...INSTALL, appsflyer_id: '1733212345678-7654321', event_time: 'Tuesday' }, {
  reason: '`event_time` must be "yyyy-MM-dd HH:mm:ss(.SSS)" (UTC) or ISO-8601',
  field: 'event_time',
});

const OPEN = { name: 'OPEN', id: 1046803948271, timestamp: 1796637600000, user_data: { idfv: 'A1B2C3D4-E5F6-7890' }, last_attributed_touch_data: { '~channel': 'newsletter', '~campaign': 'winter_sale' } };
export const BRANCH_DOC = postbackDoc('Branch webhook', BranchEvent, OPEN, { ...OPEN, id: 1046803948272, timestamp: 'Tuesday' }, {
  reason: '`timestamp` must be milliseconds since the epoch or ISO-8601',
  field: 'timestamp',
});
