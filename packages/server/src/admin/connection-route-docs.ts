import { z } from 'zod';
import { NAME, nameMessage } from '../activation/config/activation-config.js';
import type { RouteDoc } from '../http/route-doc.js';

// The destination connection routes' schemas and examples (connection-routes.ts), beside them for length only.

const Destination = z.object({ name: z.string().regex(NAME, nameMessage) });
export const RefreshTokenBody = z.looseObject({ refreshToken: z.string().describe('the refresh token, as the vendor\'s console shows it') });
const Connected = z.object({
  destination: z.string(), provider: z.string(), refreshable: z.boolean(),
  accessExpiresAt: z.number().optional(), refreshExpiresAt: z.number().optional(), by: z.string().nullable(),
});
const CONNECTION_STATES = ['connected', 'expiring soon', 'reconnect required', 'misconfigured', 'not connected', 'credentials in config'] as const;
const Text = z.string();
/** Loose: vendors add their own parameters (scope, authuser, error_description). */
export const CallbackQuery = z.looseObject({ code: z.string().optional(), state: z.string().optional(), error: z.string().optional() });

export const CONNECTION_DOCS = {
  list: {
    summary: 'Every destination account with the state of its credentials',
    response: z.object({
      destinations: z.array(z.object({
        destination: z.string(), type: z.string(), auth: z.enum(['oauth', 'token', 'key']), provider: z.string().nullable(), state: z.enum(CONNECTION_STATES),
        reason: z.string().nullable(), connectedAt: z.string().nullable(), connectedBy: z.string().nullable(), accessExpiresAt: z.string().nullable(), refreshExpiresAt: z.string().nullable(),
      })),
    }),
    examples: [{
      name: 'one connected',
      response: {
        status: 200,
        body: {
          destinations: [{
            destination: 'google_ads', type: 'google-ads', auth: 'oauth', provider: 'google', state: 'connected', reason: null,
            connectedAt: '2026-11-20T10:00:00.000Z', connectedBy: 'olga@example.com', accessExpiresAt: '2026-12-07T16:00:00.000Z', refreshExpiresAt: null,
          }],
        },
      },
    }],
  },
  connect: {
    summary: 'Starts a connect flow: the vendor\'s authorization URL to open, and until when its callback is accepted',
    params: Destination,
    response: z.object({ destination: z.string(), provider: z.string(), url: z.string(), redirectUri: z.string(), expiresAt: z.number() }),
    examples: [
      {
        name: 'google',
        request: { params: { name: 'google_ads' } },
        response: {
          status: 200,
          body: {
            destination: 'google_ads', provider: 'google', url: 'https://accounts.google.com/o/oauth2/v2/auth?client_id=…&state=…&code_challenge=…',
            redirectUri: 'http://127.0.0.1:8081/admin/oauth/callback', expiresAt: 1765120800000,
          },
        },
      },
      { name: 'not oauth', request: { params: { name: 'hubspot' } }, response: { status: 400, body: { success: false, error: 'connection_error', message: 'destination hubspot does not connect with OAuth (its token is in the config)' } } },
    ],
  },
  refreshToken: {
    summary: 'Stores a pasted refresh token as the destination\'s grant (checked with the vendor first)',
    params: Destination,
    body: RefreshTokenBody,
    response: Connected,
    examples: [{
      name: 'pasted',
      request: { params: { name: 'google_ads' }, body: { refreshToken: '1//0gX…' } },
      response: { status: 200, body: { destination: 'google_ads', provider: 'google', refreshable: true, accessExpiresAt: 1765123200000, by: 'olga@example.com' } },
    }],
  },
  disconnect: {
    summary: 'Forgets a destination\'s stored grant',
    params: Destination,
    response: z.object({ disconnected: z.string() }),
    examples: [
      { name: 'forgotten', request: { params: { name: 'google_ads' } }, response: { status: 200, body: { disconnected: 'google_ads' } } },
      { name: 'none stored', request: { params: { name: 'meta' } }, response: { status: 404, body: { success: false, error: 'not_found', message: 'no grant is stored for destination meta' } } },
    ],
  },
  callback: {
    summary: 'Where the vendor sends the browser back: the single-use state is the credential; the answer is plain text',
    security: 'none',
    querystring: CallbackQuery,
    response: Text,
    otherResponses: { 400: Text },
    responseType: 'text/plain; charset=utf-8',
    examples: [
      {
        name: 'connected',
        request: { query: { code: '4/0AbC…', state: 'Hq3…' } },
        response: { status: 200, body: 'Destination google_ads is connected to google. You can close this tab.\n' },
      },
      {
        name: 'consent refused',
        request: { query: { error: 'access_denied', state: 'Hq3…' } },
        response: { status: 400, body: 'No authorization code arrived (the consent was refused or cancelled). Run `touchline destinations connect <name>` again.\n' },
      },
    ],
  },
} satisfies Record<string, RouteDoc>;
