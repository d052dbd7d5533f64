/**
 * One and the same shop event — a product view by a visitor from a Google ad — as each protocol
 * the collector speaks sends it, for the ingest bench's per-protocol rates. Each carries its
 * protocol's message id (messageId, insert_id, uuid, eid, event_id) as {@link ID}, replaced
 * per request: every request is a new event, as the SDKs send them.
 */

const URL_ = 'https://www.shop.test/p/42?utm_source=google&utm_medium=cpc&utm_campaign=spring&gclid=Cj0KCQiA997';
const UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15';
/** Replaced by a unique id per request (protocol-ingest.ts). */
export const ID = '[<id>]';
const PROPS = { sku: 'sku-42', price: 49.99, currency: 'EUR' };

export interface ProtocolRequest {
  readonly name: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export function protocolRequests(writeKey: string): readonly ProtocolRequest[] {
  const json = { 'content-type': 'application/json' };
  return [
    {
      name: 'Segment /v1/track',
      path: '/v1/track',
      headers: { ...json, authorization: 'Basic ' + Buffer.from(writeKey + ':').toString('base64') },
      body: JSON.stringify({ messageId: ID, type: 'track', event: 'Product Viewed', anonymousId: 'anon-1', properties: PROPS, context: { page: { url: URL_, referrer: 'https://www.google.com/' }, userAgent: UA } }),
    },
    {
      name: 'Amplitude /amplitude/2/httpapi',
      path: '/amplitude/2/httpapi',
      headers: json,
      body: JSON.stringify({ api_key: writeKey, events: [{ insert_id: ID, event_type: 'Product Viewed', device_id: 'anon-1', event_properties: PROPS, user_agent: UA, time: Date.now() }] }),
    },
    {
      name: 'PostHog /posthog/i/v0/e/',
      path: '/posthog/i/v0/e/',
      headers: json,
      body: JSON.stringify({ api_key: writeKey, uuid: ID, event: 'Product Viewed', distinct_id: 'anon-1', properties: { ...PROPS, $current_url: URL_, $referrer: 'https://www.google.com/', $raw_user_agent: UA } }),
    },
    {
      name: 'Snowplow /snowplow/…/tp2',
      path: '/snowplow/com.snowplowanalytics.snowplow/tp2',
      headers: json,
      body: JSON.stringify({
        schema: 'iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4',
        data: [{ eid: ID, e: 'se', se_ca: 'product', se_ac: 'Product Viewed', se_la: 'sku-42', se_va: '49.99', aid: writeKey, duid: 'anon-1', url: URL_, refr: 'https://www.google.com/', ua: UA, tv: 'js-4.10.1', p: 'web' }],
      }),
    },
    {
      name: 'AppsFlyer /postbacks/appsflyer',
      path: `/postbacks/appsflyer/${writeKey}`,
      headers: json,
      body: JSON.stringify({ event_id: ID, event_time: '2026-12-01 10:00:00.000', event_type: 'in-app-event', event_name: 'af_content_view', appsflyer_id: 'af-1', event_value: JSON.stringify(PROPS), media_source: 'googleadwords_int', campaign: 'spring', platform: 'ios', user_agent: UA }),
    },
  ];
}
