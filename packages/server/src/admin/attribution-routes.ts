import type { AdminRoute } from './admin-route.js';

/** `POST /admin/attribute`: `touchline attribute` while the server holds the warehouse (the callee checks the body). */
export function attributionRoutes(attribute: (body: unknown) => Promise<unknown>): AdminRoute[] {
  return [{ method: 'POST', url: '/admin/attribute', action: 'attribution.run', handler: async (request) => attribute(request.body) }];
}
