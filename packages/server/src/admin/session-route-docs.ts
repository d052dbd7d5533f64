import { z } from 'zod';
import type { RouteDoc } from '../http/route-doc.js';
import { ADMIN_ACTIONS, ROLES } from '../policy/actions.js';

// The sign-in routes' schemas and examples (credentials.ts), beside them for length only.

const Actor = z.object({
  kind: z.enum(['bootstrap', 'member']), name: z.string(), email: z.string().optional(), role: z.enum(ROLES), tokenId: z.string().optional(),
});
const Actions = z.array(z.enum(ADMIN_ACTIONS));
const ANA = { kind: 'member', name: 'Ana Ruiz', email: 'ana@example.com', role: 'analyst', tokenId: '5f0c2a9e81b3d47c' } as const;
export const SignInBody = z.looseObject({ token: z.string().min(1).describe('the admin token or a personal token (tl_pat_…)') });

export const SESSION_DOCS = {
  signIn: {
    summary: 'Signs in with a token: sets the session cookie (HttpOnly, SameSite=Strict). Needs the x-touchline-request header; failed sign-ins are limited',
    security: 'none',
    body: SignInBody,
    response: z.object({ actor: Actor, actions: Actions, expiresAt: z.string() }),
    examples: [
      {
        name: 'a member',
        request: { body: { token: 'tl_pat_5f0c2a9e81b3d47c_Qm3vX9aL2pR7sT0wY5zB8cD1eF4gH6jK9mN2pQ5rS8u' } },
        response: { status: 200, body: { actor: ANA, actions: ['status.read', 'dashboard.read', 'sql.query'], expiresAt: '2026-12-08T03:00:00.000Z' } },
      },
      { name: 'unknown token', request: { body: { token: 'tl_pat_0000000000000000_x' } }, response: { status: 401, body: { success: false, error: 'unauthorized', message: 'that token is not known here' } } },
      {
        name: 'too many failures',
        request: { body: { token: 'tl_pat_0000000000000000_x' } },
        response: { status: 429, body: { success: false, error: 'rate_limited', message: 'too many failed sign-ins from this address or with this token: try again in 840 s' } },
      },
    ],
  },
  signOut: {
    summary: 'Signs out: forgets the session and clears its cookie',
    security: 'none',
    response: z.object({ signedOut: z.literal(true) }),
    examples: [{ name: 'signed out', response: { status: 200, body: { signedOut: true } } }],
  },
  me: {
    summary: 'Who is signed in (session cookie or bearer token), and the actions the dashboard may offer them',
    security: 'none',
    response: z.object({ actor: Actor, actions: Actions, via: z.enum(['bearer', 'session']) }),
    examples: [
      { name: 'session', response: { status: 200, body: { actor: ANA, actions: ['status.read', 'dashboard.read', 'sql.query'], via: 'session' } } },
      { name: 'nobody', response: { status: 401, body: { success: false, error: 'unauthorized', message: 'not signed in' } } },
    ],
  },
} satisfies Record<string, RouteDoc>;
