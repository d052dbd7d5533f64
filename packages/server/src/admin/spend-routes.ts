import { z } from 'zod';
import { ClientError } from '../http/client-error.js';
import type { SpendPulls } from '../spend/pull/pull-schedule.js';
import type { AdminRoute } from './admin-route.js';

const DAY = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day written YYYY-MM-DD');
const PullBody = z
  .object({
    network: z.string().min(1).max(40).optional(),
    account: z.string().min(1).max(64).optional(),
    since: DAY.optional(),
    until: DAY.optional(),
  })
  .strict();

const Outcome = z.object({ network: z.string(), account: z.string(), ok: z.boolean() }).loose();

/**
 * `POST /admin/spend/pull`: `touchline spend pull` while a server holds the warehouse. Answers
 * when the pull is done, with each account's outcome (rows written, or the failure, its kind and
 * the command that fixes it); a pull already under way is waited for, never overlapped.
 */
export function spendRoutes(pulls: SpendPulls, networks: () => readonly string[]): AdminRoute[] {
  return [
    {
      method: 'POST',
      url: '/admin/spend/pull',
      action: 'spend.pull',
      doc: {
        summary: 'Pull ad spend from the configured networks (spend.pull.connections) now',
        body: PullBody,
        response: z.object({ outcomes: z.array(Outcome) }),
        examples: [
          {
            name: 'the last days of one network',
            request: { body: { network: 'google_ads' } },
            response: { status: 200, body: { outcomes: [{ target: 'gads', network: 'google_ads', account: '1234567890', since: '2026-11-01', until: '2026-11-07', ok: true, rows: 42, days: 7, campaigns: 6, pages: 1 }] } },
          },
        ],
      },
      handler: async (request) => {
        const body = PullBody.parse(request.body ?? {});
        if (body.network !== undefined && !networks().includes(body.network)) {
          throw new ClientError(400, 'bad_request', `network ${body.network}: no spend connection pulls it (configured: ${networks().join(', ') || 'none'})`);
        }
        return { outcomes: await pulls.run(body) };
      },
    },
  ];
}
