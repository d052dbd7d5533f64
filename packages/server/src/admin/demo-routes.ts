import { z } from 'zod';
import { writeDemoSpend } from '../demo/demo-spend.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { AdminRoute } from './admin-route.js';

const DemoSpendBody = z
  .object({
    /** Days of spend ending today, as the demo's journeys. */
    days: z.number().int().min(1).max(366).optional(),
  })
  .strict();

/**
 * `POST /admin/demo/spend`: the demo shop's daily ad spend (src/demo/demo-spend.ts), written by the
 * server that holds the warehouse when `touchline demo` runs beside it. Synthetic cost in a real
 * warehouse is an admin's decision, so the action is an admin's (and audited, as every admin action).
 */
export function demoRoutes(d: { warehouse: Warehouse; now: () => Date }): AdminRoute[] {
  return [
    {
      method: 'POST',
      url: '/admin/demo/spend',
      action: 'spend.demo',
      doc: {
        summary: "Write the demo shop's daily ad spend (touchline demo)",
        body: DemoSpendBody,
        response: z.object({ rows: z.number().int(), days: z.number().int() }),
        examples: [{ name: 'sixty days', request: { body: { days: 60 } }, response: { status: 200, body: { rows: 366, days: 366 } } }],
      },
      handler: async (request) => {
        const body = DemoSpendBody.parse(request.body ?? {});
        return writeDemoSpend(d.warehouse, { now: d.now().getTime(), ...(body.days !== undefined ? { days: body.days } : {}) });
      },
    },
  ];
}
