import { z } from 'zod';
import { ClientError } from '../http/client-error.js';
import { importSpendFile, SPEND_FILE_KINDS } from '../spend/spend-files.js';
import type { SpendPulls } from '../spend/pull/pull-schedule.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { noteAudit, type AdminRoute } from './admin-route.js';

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
export function spendRoutes(pulls: SpendPulls, networks: () => readonly string[], files: SpendFileDeps): AdminRoute[] {
  return [
    spendImportRoute(files),
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

/** The largest CSV a running server takes in one request: a year of daily cost for ~2,000 campaigns. */
export const SPEND_CSV_LIMIT = 64 * 1024 * 1024;

const ImportQuery = z
  .object({
    kind: z.enum(SPEND_FILE_KINDS),
    /** The file's name, kept as the rows' origin (`csv:<name>`). */
    name: z.string().min(1).max(200).regex(/^[^\\/\u0000-\u001f]+$/, 'a file name, without folders or control characters').optional(),
  })
  .strict();

const Problem = z.object({ line: z.number().int(), reasons: z.array(z.string()) }).loose();

export interface SpendFileDeps {
  readonly warehouse: Warehouse;
  readonly now: () => Date;
}

/**
 * `POST /admin/spend/import?kind=spend|rates|campaigns`: `touchline spend import|rates|campaigns`
 * while a server holds the warehouse. The body is the CSV itself (`text/csv`, up to
 * {@link SPEND_CSV_LIMIT}); it is read and written exactly as the command does on the warehouse
 * directly (a day replaced whole or not at all), and answered with every refused line. The audit
 * record keeps the kind, name and size, not the file.
 */
function spendImportRoute(d: SpendFileDeps): AdminRoute {
  return {
    method: 'POST',
    url: '/admin/spend/import',
    action: 'spend.import',
    bodyLimit: SPEND_CSV_LIMIT,
    doc: {
      summary: 'Import a spend, exchange-rate or campaign CSV (touchline spend import|rates|campaigns) into the warehouse the server holds',
      querystring: ImportQuery,
      otherBodies: { 'text/csv': z.string().describe('the CSV, with its header row (docs/spend.md)') },
      response: z.object({ kind: z.enum(SPEND_FILE_KINDS), name: z.string(), written: z.number().int(), problems: z.array(Problem) }).loose(),
      examples: [
        {
          name: 'a day of cost',
          request: { query: { kind: 'spend', name: 'cost.csv' }, body: 'date,network,account,campaign_id,campaign_name,cost,currency\n2026-11-01,google_ads,1234567890,111,Brand,12.50,EUR\n' },
          response: { status: 200, body: { kind: 'spend', name: 'cost.csv', read: 1, written: 1, days: 1, heldBack: 0, problems: [], refused: null, unknownHeaders: [] } },
        },
      ],
    },
    handler: async (request) => {
      const q = ImportQuery.parse(request.query ?? {});
      const text = request.body;
      if (typeof text !== 'string') throw new ClientError(415, 'unsupported_media_type', 'send the CSV itself as the body, with content-type text/csv');
      const name = q.name ?? `upload.csv`;
      noteAudit(request, { target: `${q.kind}:${name}`, params: { kind: q.kind, name, bytes: Buffer.byteLength(text) } });
      return importSpendFile(d.warehouse, q.kind, { name, text }, { nowMs: d.now().getTime() });
    },
  };
}
