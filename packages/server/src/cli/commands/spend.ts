import { SingleBar } from 'cli-progress';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, type Config } from '../../config/config.js';
import { PRIVATE_DIR_MODE } from '../../data-dir/private-files.js';
import { createDerivedModel, modelSqlFor } from '../../identity/derived-model.js';
import { clickhouseSessionsSql, duckdbSessionsSql } from '../../identity/sessions-sql.js';
import { describeSpendFile, importSpendFile, type SpendFileKind, type SpendFileResult } from '../../spend/spend-files.js';
import { readCampaignDays, readTouchGroups } from '../../spend/spend-join.js';
import type { AccountOutcome, PullFilter } from '../../spend/pull/pull-runner.js';
import { unmatchedReport } from '../../spend/unmatched.js';
import { openWarehouse } from '../../warehouse/open-warehouse.js';
import { WarehouseEngine, type Warehouse } from '../../warehouse/warehouse.js';
import { formatResult, type OutputFormat } from '../format.js';
import { loadConfig } from '../load-config.js';
import { offlineUse } from '../offline.js';
import { findRunningServer } from '../server-handle.js';
import { checkPullFilter, formatPullOutcomes, pullLocal, pullRemote } from './spend-pull.js';

export const SPEND_HELP = `touchline spend — ad cost per campaign, for cost, CPA and ROAS (docs/spend.md)

Usage:
  touchline spend import <file.csv>        daily cost per campaign; a day in the file replaces that day
  touchline spend rates <file.csv>         daily exchange rates: date,from_currency,to_currency,rate
  touchline spend campaigns <file.csv>     campaign metadata: network,campaign_id,campaign_name,status,
                                           objective,channel_type,ad_network_type (GA4's channel for
                                           auto-tagged Google clicks comes from the last two)
  touchline spend unmatched [--since D] [--until D] [--format table|json|csv]
                                           spend no touch matched, and paid touches no spend matched
  touchline spend pull [--network N] [--account A] [--since D] [--until D] [--format table|json]
                                           cost per campaign from the networks' reporting APIs
                                           (spend.pull.connections); by default the last
                                           spend.pull.lookbackDays days, replaced whole
Then: touchline attribute --with-spend [--by channel|source_medium|campaign]

The spend CSV's columns: date, network, account, campaign_id, campaign_name, ad_group_id,
ad_group_name, cost (or cost_micros), currency, impressions, clicks, conversions, conversion_value.
With a server running, import, rates, campaigns and pull go through it (as a member: TOUCHLINE_TOKEN
or touchline login; a file up to 64 MiB); otherwise they, and unmatched, open the warehouse directly
(unmatched needs the server stopped).`;

function parseOptions(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: 'string' },
      'data-dir': { type: 'string' },
      warehouse: { type: 'string' },
      'clickhouse-url': { type: 'string' },
      since: { type: 'string' },
      network: { type: 'string' },
      account: { type: 'string' },
      until: { type: 'string' },
      format: { type: 'string', default: 'table' },
      'no-progress': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

/**
 * The warehouse for a spend command, migrated to the spend tables. A running server holds the
 * DuckDB file and is the one that writes (and audits) while it runs, so the command refuses then.
 */
async function openForSpend(config: Config, action: string, params: unknown): Promise<Warehouse> {
  if (await findRunningServer(config)) {
    throw new ConfigError(`a Touchline server is running on ${resolve(config.dataDir)}: stop it to run touchline spend ${action} (the server holds the warehouse), then start it again`);
  }
  await offlineUse(config, `spend.${action}`, params);
  // A fresh install: spend may come before the first start (the data dir is private, as start makes it).
  if (config.warehouse.engine === WarehouseEngine.DuckDB) await mkdir(resolve(config.dataDir), { recursive: true, mode: PRIVATE_DIR_MODE });
  const warehouse = await openWarehouse(config.warehouse, resolve(config.dataDir));
  try {
    await warehouse.migrate();
    // The views the join reads (sessions, id_map), as a server start makes them.
    await createDerivedModel(warehouse, config).ensure();
  } catch (err) {
    await warehouse.close();
    throw err;
  }
  return warehouse;
}

/** The CLI's name for each kind of file (`touchline spend <command>`). */
const COMMAND_OF: Record<SpendFileKind, string> = { spend: 'import', rates: 'rates', campaigns: 'campaigns' };

/**
 * `touchline spend import|rates|campaigns <file.csv>`: through the running server when there is
 * one (it holds the warehouse, and audits the import as the member's), else on the warehouse
 * directly with a progress bar. Exit 1 when a line was refused.
 */
async function importCommand(config: Config, kind: SpendFileKind, file: string, progress: boolean, out: (s: string) => void): Promise<number> {
  const size = (await stat(file)).size;
  const server = await findRunningServer(config);
  let r: SpendFileResult;
  if (server) {
    const query = new URLSearchParams({ kind, name: basename(file) });
    r = await server.call<SpendFileResult>('POST', `/admin/spend/import?${query}`, await readFile(file, 'utf8'), 'text/csv');
  } else r = await importLocal(config, kind, file, size, progress);
  const { lines, exitCode } = describeSpendFile(r);
  lines.forEach((l) => out(l));
  return exitCode;
}

async function importLocal(config: Config, kind: SpendFileKind, file: string, size: number, progress: boolean): Promise<SpendFileResult> {
  const warehouse = await openForSpend(config, COMMAND_OF[kind], { file });
  const bar = progress ? new SingleBar({ format: `spend ${COMMAND_OF[kind]} [{bar}] {percentage}% | {value}/{total} bytes`, hideCursor: true }) : null;
  bar?.start(size, 0);
  let bytes = 0;
  try {
    const r = await importSpendFile(warehouse, kind, file, { nowMs: Date.now(), onBytes: (n) => bar?.update((bytes += n)) });
    bar?.update(size);
    return r;
  } finally {
    bar?.stop();
    await warehouse.close();
  }
}

async function unmatchedCommand(config: Config, o: { since?: string | undefined; until?: string | undefined; format: OutputFormat }, out: (s: string) => void): Promise<number> {
  const warehouse = await openForSpend(config, 'unmatched', o);
  try {
    const m = modelSqlFor(warehouse, config);
    // Sessions on read: the stored DuckDB table may be stale while no server refreshes it.
    const sessionsOf = (b: typeof m) => `(${warehouse.engine === WarehouseEngine.DuckDB ? duckdbSessionsSql(b.rules) : clickhouseSessionsSql(b.rules)})`;
    const days = await readCampaignDays(warehouse, o);
    const groups = await readTouchGroups(warehouse, m, sessionsOf, () => `campaign`);
    const r = unmatchedReport(days, groups);
    const spend = { columns: ['network', 'campaign_id', 'campaign_name', 'cost', 'currency', 'days', 'first_date', 'last_date'], rows: r.spend.map((s) => [s.network, s.campaignId, s.campaignName, s.cost, s.currency, s.days, s.firstDate, s.lastDate]) };
    const touches = { columns: ['source', 'medium', 'utm_campaign', 'utm_id', 'click_id_type', 'sessions'], rows: r.touches.map((t) => [t.source, t.medium, t.utmCampaign, t.utmId, t.clickIdType, t.sessions]) };
    if (o.format === 'json') out(JSON.stringify({ unmatchedSpend: r.spend, unmatchedTouches: r.touches }, null, 2));
    else {
      out(o.format === 'table' ? `Spend that matched no touch (${r.spend.length} campaign(s)):` : '');
      out(formatResult(spend, o.format));
      out(o.format === 'table' ? `\nPaid touches that matched no spend (${r.touches.length}):` : '');
      out(formatResult(touches, o.format));
    }
    return 0;
  } finally {
    await warehouse.close();
  }
}

/** `touchline spend pull`: through the running server, else here; exit 1 when an account failed. */
async function pullCommand(config: Config, filter: PullFilter, format: string, progress: boolean, out: (s: string) => void): Promise<number> {
  checkPullFilter(config, filter);
  const server = await findRunningServer(config);
  let outcomes: AccountOutcome[];
  if (server) outcomes = await pullRemote(server, filter);
  else {
    const warehouse = await openForSpend(config, 'pull', filter);
    try {
      outcomes = await pullLocal(config, warehouse, filter, progress);
    } finally {
      await warehouse.close();
    }
  }
  if (format === 'json') out(JSON.stringify({ outcomes }, null, 2));
  else formatPullOutcomes(outcomes).forEach((l) => out(l));
  return outcomes.every((o) => o.ok) ? 0 : 1;
}

/** `touchline spend …`: returns the exit code (1 when rows were refused). */
export async function spendCommand(argv: readonly string[], out: (s: string) => void): Promise<number> {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(argv);
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}\n\n${SPEND_HELP}`);
  }
  const { values: v, positionals } = parsed;
  const [sub, file] = positionals;
  if (v.help || !sub) {
    out(SPEND_HELP);
    return sub || v.help ? 0 : 1;
  }
  if (v.format !== 'table' && v.format !== 'json' && v.format !== 'csv') throw new ConfigError(`--format must be table, json or csv (got ${v.format})`);
  const config = loadConfig({ config: v.config, 'data-dir': v['data-dir'], warehouse: v.warehouse, 'clickhouse-url': v['clickhouse-url'] });
  const progress = !v['no-progress'] && process.stderr.isTTY;
  switch (sub) {
    case 'import':
    case 'rates':
    case 'campaigns': {
      if (!file) throw new ConfigError(`usage: touchline spend ${sub} <file.csv>`);
      return importCommand(config, sub === 'import' ? 'spend' : sub, file, progress, out);
    }
    case 'pull':
      return pullCommand(config, { network: v.network, account: v.account, since: v.since, until: v.until }, v.format, progress, out);
    case 'unmatched':
      return unmatchedCommand(config, { since: v.since, until: v.until, format: v.format }, out);
    default:
      throw new ConfigError(`unknown spend command "${sub}"\n\n${SPEND_HELP}`);
  }
}
