import { defined, idOf, isObj, objOf, strOf, type Obj } from '../json-values.js';
import { refuse, type Mapping } from '../mapped-batch.js';
import { providerTime } from './postback-time.js';

/**
 * One Branch webhook (Webhooks 2.0: one event per POST) as a Segment event. `INSTALL`,
 * `REINSTALL` and `OPEN` with an attributed touch are **arrivals** — a `screen` named after them,
 * whose `context.campaign` is `last_attributed_touch_data`: `~advertising_partner_name` (or
 * `$3p`, `~channel`) → utm_source, `~feature` → utm_medium, `~campaign` → utm_campaign,
 * `~campaign_id` → utm_id, `~ad_name` → utm_content, `~keyword` → utm_term; `~referring_link`
 * or `+url` is the landing. Other events are tracks named `name`, with `event_data` and
 * `custom_data` as properties. The device id (`user_data.idfv`, `aaid`, `android_id`, `idfa`) is
 * the anonymous id, `user_data.developer_identity` (the app's `setIdentity`) the user id.
 */

export const BRANCH_FIELDS: Readonly<Record<string, string>> = {
  anonymousId: 'user_data.idfv',
  userId: 'user_data.developer_identity',
  event: 'name',
  name: 'name',
  messageId: 'id',
  timestamp: 'timestamp',
  properties: 'event_data',
  '': 'name',
};

const ARRIVALS: Readonly<Record<string, string>> = { INSTALL: 'Install', REINSTALL: 'Reinstall', OPEN: 'Open' };
const DEVICE_IDS = ['idfv', 'aaid', 'android_id', 'idfa', 'browser_fingerprint_id', 'developer_identity'] as const;

function campaignOf(t: Obj | undefined): Obj | undefined {
  if (!t) return undefined;
  const source = strOf(t['~advertising_partner_name']) ?? strOf(t['$3p']) ?? strOf(t['~channel']);
  const c = defined({ source, medium: strOf(t['~feature']), name: strOf(t['~campaign']), id: idOf(t['~campaign_id']), content: strOf(t['~ad_name']), term: strOf(t['~keyword']) });
  return Object.keys(c).length > 0 ? c : undefined;
}

export function mapBranch(raw: unknown): Mapping {
  if (!isObj(raw)) return refuse('name', 'a webhook must be a JSON object');
  const name = strOf(raw['name']);
  if (!name) return refuse('name', '`name` (the event) is required');
  if (raw['user_data'] !== undefined && !isObj(raw['user_data'])) return refuse('user_data', '`user_data` must be an object');
  const user = objOf(raw['user_data']) ?? {};
  const deviceKey = DEVICE_IDS.find((k) => idOf(user[k]) !== undefined);
  const anonymousId = deviceKey ? idOf(user[deviceKey]) : undefined;
  const userId = idOf(user['developer_identity']);
  if (!anonymousId) return refuse('user_data.idfv', 'a device id (`user_data.idfv`, `aaid`, `android_id`, `idfa`) or `user_data.developer_identity` is required');
  const timestamp = providerTime(raw['timestamp']);
  if (timestamp === null) return refuse('timestamp', '`timestamp` must be milliseconds since the epoch or ISO-8601');
  const id = idOf(raw['id']);
  if (!id) return refuse('id', '`id` (Branch\'s event id, the dedup key) is required');
  const touch = objOf(raw['last_attributed_touch_data']);
  const arrival = ARRIVALS[name.toUpperCase()];
  const properties = defined({ ...objOf(raw['event_data']), ...objOf(raw['custom_data']), content_items: Array.isArray(raw['content_items']) ? raw['content_items'] : undefined });
  const landing = strOf(touch?.['~referring_link']) ?? strOf(touch?.['+url']);
  return {
    ok: true,
    event: defined({
      type: arrival ? 'screen' : 'track',
      name: arrival,
      event: arrival ? undefined : name,
      anonymousId: deviceKey === 'developer_identity' ? undefined : anonymousId,
      userId,
      messageId: `branch-${id}`,
      timestamp,
      properties: arrival ? defined({ attributed: raw['attributed'], first_event_for_user: raw['first_event_for_user'], touch_type: raw['last_attributed_touch_type'] }) : properties,
      context: defined({
        userAgent: strOf(user['user_agent']),
        ip: strOf(user['ip']),
        library: { name: 'branch-webhook' },
        campaign: arrival ? campaignOf(touch) : undefined,
        page: arrival && landing ? { url: landing } : undefined,
        device: defined({ os: strOf(user['os']), os_version: strOf(user['os_version']), model: strOf(user['model']), brand: strOf(user['brand']) }),
        branch: arrival ? undefined : touch,
      }),
    }),
  };
}
