import { timingSafeEqual } from 'node:crypto';
import { ClientError } from '../http/client-error.js';
import type { AdminGuard } from './admin-route.js';

function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer (.+)$/i.exec(header ?? '');
  if (!m) return false;
  const a = Buffer.from(m[1]!.trim());
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The guard of a server with one admin token: it may do every action; nobody else may do any. */
export function adminTokenGuard(token: string): AdminGuard {
  return (request) => {
    if (!tokenMatches(request.headers.authorization, token)) {
      throw new ClientError(401, 'unauthorized', 'send the admin token as `Authorization: Bearer <token>`');
    }
  };
}
