import type { FastifyRequest } from 'fastify';
import { ClientError } from '../../../http/client-error.js';
import { bodyBytes, decodeBase64Strict, gunzipBounded, isGzip, parseJsonText } from '../raw-bodies.js';

/**
 * A PostHog capture body in each form its SDKs send (docs/ingest.md):
 * - JSON (`application/json`, optionally `Content-Encoding: gzip`) — posthog-node, the API;
 * - gzip bytes labelled `text/plain`, `?compression=gzip-js` — posthog-js's default;
 * - base64 of the JSON: a form field `data=` (`application/x-www-form-urlencoded`), or the whole
 *   body (posthog-js's `sendBeacon`), `?compression=base64` or the form's `compression` field.
 * Refuses what is none of these with a ClientError that names the form it expected.
 */
export function decodePostHogBody(request: FastifyRequest, limit: number): unknown {
  let bytes = bodyBytes(request.body);
  if (isGzip(bytes)) bytes = gunzipBounded(bytes, limit);
  else if (queryParam(request, 'compression') === 'gzip-js' && bytes.length > 0) {
    throw new ClientError(400, 'bad_encoding', '`compression=gzip-js` but the body is not gzip data');
  }
  let text = bytes.toString('utf8');
  let base64 = queryParam(request, 'compression') === 'base64';
  if (/^application\/x-www-form-urlencoded/i.test(String(request.headers['content-type'] ?? '')) || /^data=/.test(text)) {
    const form = new URLSearchParams(text);
    const data = form.get('data');
    if (data === null) throw new ClientError(400, 'invalid_body', 'a form body must carry the events as its `data` field');
    text = data.replace(/ /g, '+'); // a '+' of base64 that the sender did not percent-encode
    base64 ||= form.get('compression') === 'base64';
  }
  const trimmed = text.trimStart();
  // A body that is not JSON text is base64 of it (a beacon does not always say so).
  if (base64 || (trimmed !== '' && trimmed[0] !== '{' && trimmed[0] !== '[')) {
    const decoded = decodeBase64Strict(text);
    if (!decoded) throw new ClientError(400, 'bad_encoding', 'the body is neither JSON nor valid base64 of JSON');
    text = decoded.toString('utf8');
  }
  if (text.trim() === '') throw new ClientError(400, 'empty_body', 'the request body is empty');
  const parsed = parseJsonText(text);
  if (!parsed.ok) throw new ClientError(400, 'invalid_json', parsed.message);
  return parsed.value;
}

function queryParam(request: FastifyRequest, name: string): string | undefined {
  const q = request.query as Record<string, unknown> | undefined;
  const v = q?.[name];
  return typeof v === 'string' ? v : undefined;
}
