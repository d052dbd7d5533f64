import type { FastifyInstance } from 'fastify';
import { PassThrough } from 'node:stream';
import { createGunzip, createInflate } from 'node:zlib';
import { ClientError, InvalidJsonError, describeJsonError } from './client-error.js';

const UNSUPPORTED = 'send Content-Type: application/json (or text/plain for beacons)';

function parseJson(text: string, done: (err: Error | null, body?: unknown) => void): void {
  if (text.length === 0) {
    done(null, undefined); // routes that need a body say so (the tracking API does)
    return;
  }
  try {
    done(null, JSON.parse(text));
  } catch (err) {
    done(new InvalidJsonError(describeJsonError(err as Error, text), text), undefined);
  }
}

/** gzip or deflate: RudderStack's form-labelled body is compressed JSON; a browser's form never is. */
function isCompressed(header: string | string[] | undefined): boolean {
  return /^\s*(?:x-)?gzip\s*$|^\s*deflate\s*$/i.test(String(header ?? ''));
}

/**
 * Request bodies: JSON sent as `application/json` or `text/plain` (what `sendBeacon` and
 * preflight-free `fetch` send), optionally gzip- or deflate-compressed. Body limits apply to the
 * decompressed bytes, so a small compressed bomb is still refused with 413.
 *
 * One more: RudderStack's Node SDK (`@rudderstack/rudder-sdk-node` 3.x) posts its gzipped JSON
 * batch with axios's default `application/x-www-form-urlencoded`. That type is read as JSON only
 * when the body is compressed, as that SDK sends it; a real (uncompressed) form is still 415.
 */
export function registerBodyParsing(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'string' }, (_req, body, done) => {
    parseJson(body as string, done);
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (req, body, done) => {
    if (!isCompressed(req.headers['content-encoding'])) {
      done(new ClientError(415, 'unsupported_media_type', `form bodies are not events: ${UNSUPPORTED}`), undefined);
      return;
    }
    parseJson(body as string, done);
  });
  app.addContentTypeParser('*', (_req, _payload, done) => {
    done(new ClientError(415, 'unsupported_media_type', UNSUPPORTED), undefined);
  });

  // Callback style: most requests are not compressed and should not pay for a promise.
  app.addHook('preParsing', (request, _reply, payload, done) => {
    const header = request.headers['content-encoding'];
    if (header === undefined) return done(null, payload);
    const encoding = String(header).toLowerCase().trim();
    if (encoding === 'identity' || encoding === '') return done(null, payload);
    let inflate;
    if (encoding === 'gzip' || encoding === 'x-gzip') inflate = createGunzip();
    else if (encoding === 'deflate') inflate = createInflate();
    else return done(new ClientError(415, 'unsupported_encoding', `Content-Encoding "${encoding}" is not supported (use gzip or deflate)`));
    // fastify compares Content-Length with the bytes read from the wire, not the inflated ones.
    const out = new PassThrough() as PassThrough & { receivedEncodedLength: number };
    out.receivedEncodedLength = 0;
    payload.on('data', (chunk: Buffer) => {
      out.receivedEncodedLength += chunk.length;
    });
    inflate.on('error', (err) => out.destroy(err));
    payload.pipe(inflate).pipe(out);
    done(null, out);
  });
}
