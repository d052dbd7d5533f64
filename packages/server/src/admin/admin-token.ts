import type { AdminGuard } from './admin-route.js';
import { adminTokenCredentials, credentialsGuard } from './credentials.js';

/**
 * The guard of a server with one admin token: it may do every action; nobody else may do any.
 * The token is read through `presentedToken` (Bearer header, or the dashboard's session cookie).
 */
export function adminTokenGuard(token: string): AdminGuard {
  return credentialsGuard(adminTokenCredentials(token));
}
