import { isModelName, type AttributionParams, type ModelSpec } from '@touchline/attribution';
import { attributePathsFile } from '@touchline/attribution/node';
import { resolve } from 'node:path';
import { formatCreditsCsv, formatCreditsJson, formatCreditsTable, REPORTS, summariesFor, type Report, type RunFacts } from '../../attribute/format-attribution.js';
import { engineParams, runAttribution, type AttributeRequest, type AttributeResponse } from '../../attribute/run-attribution.js';
import { writeStaticReport } from '../../dashboard/static-report.js';
import { ConfigError, type Config } from '../../config/config.js';
import { createDerivedModel } from '../../identity/derived-model.js';
import { openWarehouse } from '../../warehouse/open-warehouse.js';
import { loadConfig } from '../load-config.js';
import { findRunningServer } from '../server-handle.js';
import { offlineUse } from '../offline.js';
import { parseArgsHelpfully } from '../helpful-args.js';

export const ATTRIBUTE_HELP = `touchline attribute — credit conversions and revenue to channels, sources, campaigns

Usage:
  touchline attribute [--model first,last,linear,markov,…] [--by channel|source_medium|campaign|<column>]
                      [--lookback 90d] [--conversion "<event>"]… [--format table|json|csv]
  touchline attribute --paths <file.ndjson> [--model …]          paths from anywhere, no warehouse
  touchline attribute --html report.html [--model …] [--by …]     the dashboard's attribution page as one static file

Models: first, last, last_non_direct, linear, time_decay, position, w_shaped, full_path, markov,
        shapley, ordered_shapley (markov:2 for a second-order chain). Default: every model but
        w_shaped, full_path and ordered_shapley.
Levels: channel (default), source_medium, campaign, source, medium, utm_source, utm_medium,
        utm_campaign, utm_content, utm_term, utm_id, click_id_type, referrer_domain, kind.

Options:
  --lookback 90d            touches older than this before a conversion are not on its path
  --conversion "<event>"    conversion event (repeatable); default: attribution.conversions
  --since / --until <date>  conversions in this time range
  --no-reset                every conversion sees every earlier touch (default: paths restart after a conversion)
  --half-life 7d            time decay
  --position-weights 40,20,40   position based: first, middle, last (percent)
  --w-weights 30,30,30      W-shaped: first, lead, opportunity (percent)
  --full-path-weights 22.5,22.5,22.5,22.5
  --direct ignore|credit    ignore (default, GA4): direct touches get no credit when the path has any
                            other touch; credit: Direct is a channel like the others (attribution.direct)
  --direct-labels "direct,(direct),(direct) / (none)"   level values that are direct, any case
                            (attribution.directLabels; the level's own direct value always counts)
  --order 2                 Markov order (1-4)
  --markov-truncation channelattribution|<max_step>
  --markov-empty-paths direct|redistribute   conversions with no touch: to Direct (default), or
                            spread over the channels as ChannelAttribution does (attribution.markov.emptyPaths)
  --shapley subset|exact
  --top 20                  top conversion paths
  --report credits|paths|conversion-time|all   what to print and so compute (default: credits)
  --with-spend              cost, CPA and ROAS per row under each model, from imported ad spend
                            (touchline spend import; docs/spend.md), in attribution.reportingCurrency
  --chart <model>           the model the table's bar chart shows (default: linear)
  --metric conversions|value   the bar chart's measure
Runs through the running server when there is one (POST /admin/attribute), else on the warehouse
opened read-only. With --paths, the attribution conventions of the config (lookbackDays, direct,
directLabels, markov.emptyPaths) apply too; the flags override them.`;

const CLI_MODELS: Readonly<Record<string, string>> = {
  first: 'first_touch',
  last: 'last_touch',
  position: 'position_based',
  u_shaped: 'position_based',
};

export const DEFAULT_MODELS = ['first_touch', 'last_touch', 'last_non_direct', 'linear', 'time_decay', 'position_based', 'markov', 'shapley'];

/** `first,last,markov:2` → engine model specs; the CLI's short names map onto the engine's. */
export function parseModels(text: string, order: number | undefined): ModelSpec[] {
  const out: ModelSpec[] = [];
  for (const raw of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [name = '', k] = raw.split(':');
    const model = CLI_MODELS[name] ?? name;
    if (!isModelName(model)) {
      throw new ConfigError(`--model: unknown model "${name}"; use first, last, last_non_direct, linear, time_decay, position, w_shaped, full_path, markov, shapley, ordered_shapley`);
    }
    if (k !== undefined) {
      const o = Number(k);
      if (model !== 'markov' || !Number.isInteger(o) || o < 1 || o > 4) throw new ConfigError(`--model: "${raw}": only markov takes an order, markov:1 to markov:4`);
      out.push({ model, order: o, name: `markov_${o}` });
    } else if (model === 'markov' && order !== undefined) out.push({ model, order });
    else out.push(model);
  }
  if (out.length === 0) throw new ConfigError('--model: name at least one model');
  return out;
}

/** `90d`, `12w`, `36h`, `90` (days) → days. */
export function parseDays(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(d|day|days|w|h)?$/i.exec(text.trim());
  if (!m) throw new ConfigError(`${flag}: "${text}" is not a duration; write 90d, 12w or 36h`);
  const n = Number(m[1]);
  const unit = (m[2] ?? 'd').toLowerCase();
  const days = unit.startsWith('w') ? n * 7 : unit === 'h' ? n / 24 : n;
  if (!(days > 0)) throw new ConfigError(`${flag}: must be longer than zero`);
  return days;
}

function percents(flag: string, text: string, count: number): number[] {
  const parts = text.split(',').map((s) => Number(s.trim()));
  if (parts.length !== count || parts.some((x) => !Number.isFinite(x) || x < 0)) {
    throw new ConfigError(`${flag}: give ${count} percentages separated by commas (got "${text}")`);
  }
  return parts.map((x) => x / 100);
}

function parseOptions(argv: readonly string[]) {
  return parseArgsHelpfully({
    args: [...argv],
    allowPositionals: false,
    strict: true,
    options: {
      config: { type: 'string' },
      'data-dir': { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'admin-host': { type: 'string' },
      'admin-port': { type: 'string' },
      'log-level': { type: 'string' },
      warehouse: { type: 'string' },
      'clickhouse-url': { type: 'string' },
      model: { type: 'string' },
      models: { type: 'string' },
      by: { type: 'string', default: 'channel' },
      lookback: { type: 'string' },
      conversion: { type: 'string', multiple: true },
      since: { type: 'string' },
      until: { type: 'string' },
      'no-reset': { type: 'boolean', default: false },
      'half-life': { type: 'string' },
      'position-weights': { type: 'string' },
      'w-weights': { type: 'string' },
      'full-path-weights': { type: 'string' },
      order: { type: 'string' },
      'markov-truncation': { type: 'string' },
      'markov-empty-paths': { type: 'string' },
      direct: { type: 'string' },
      'direct-labels': { type: 'string' },
      shapley: { type: 'string' },
      top: { type: 'string' },
      format: { type: 'string', default: 'table' },
      report: { type: 'string', default: 'credits' },
      chart: { type: 'string' },
      metric: { type: 'string', default: 'conversions' },
      paths: { type: 'string' },
      html: { type: 'string' },
      'with-spend': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }, 'touchline attribute --help').values;
}

type Options = ReturnType<typeof parseOptions>;

/** Engine parameters from the flags (each model's own flags). */
export function paramsFromFlags(v: Options): NonNullable<AttributeRequest['params']> {
  const p: { -readonly [K in keyof AttributionParams]: AttributionParams[K] } = {};
  if (v['half-life']) p.halfLifeDays = parseDays('--half-life', v['half-life']);
  if (v['position-weights']) {
    const [first, middle, last] = percents('--position-weights', v['position-weights'], 3) as [number, number, number];
    if (Math.abs(first + middle + last - 1) > 1e-9) throw new ConfigError('--position-weights: first, middle and last must add up to 100');
    p.positionWeights = { first, last };
  }
  if (v['w-weights']) p.wShapedWeights = percents('--w-weights', v['w-weights'], 3) as [number, number, number];
  if (v['full-path-weights']) p.fullPathWeights = percents('--full-path-weights', v['full-path-weights'], 4) as [number, number, number, number];
  const markov: { order?: number; truncation?: 'channelattribution' | number; emptyPaths?: 'direct' | 'redistribute' } = {};
  if (v.order) markov.order = Number(v.order);
  if (v['markov-truncation']) {
    const t = v['markov-truncation'];
    markov.truncation = t === 'channelattribution' ? t : Number(t);
  }
  const emptyPaths = v['markov-empty-paths'];
  if (emptyPaths !== undefined) {
    if (emptyPaths !== 'direct' && emptyPaths !== 'redistribute') throw new ConfigError(`--markov-empty-paths: direct or redistribute (got "${emptyPaths}")`);
    markov.emptyPaths = emptyPaths;
  }
  if (Object.keys(markov).length) p.markov = markov;
  if (v.direct !== undefined) {
    if (v.direct !== 'ignore' && v.direct !== 'credit') throw new ConfigError(`--direct: ignore or credit (got "${v.direct}")`);
    p.direct = v.direct;
  }
  if (v['direct-labels'] !== undefined) {
    const labels = v['direct-labels'].split(',').map((x) => x.trim());
    if (labels.some((x) => x === '')) throw new ConfigError(`--direct-labels: a comma-separated list of non-empty labels (got "${v['direct-labels']}")`);
    p.directLabels = labels;
  }
  if (v.shapley) {
    if (v.shapley !== 'subset' && v.shapley !== 'exact') throw new ConfigError('--shapley: subset or exact');
    p.shapley = { characteristic: v.shapley };
  }
  if (v.top) p.topPaths = Number(v.top);
  return p;
}

function reportOf(v: Options): Report {
  if (!(REPORTS as readonly string[]).includes(v.report)) throw new ConfigError(`--report must be one of ${REPORTS.join(', ')}`);
  return v.report as Report;
}

/** The request the flags describe: the engine computes only the summaries the report prints. */
export function requestFromFlags(v: Options): AttributeRequest {
  const order = v.order ? Number(v.order) : undefined;
  const text = v.model ?? v.models;
  const models = text ? parseModels(text, order) : DEFAULT_MODELS.map((m) => (m === 'markov' && order ? { model: 'markov' as const, order } : (m as ModelSpec)));
  return {
    models,
    level: v.by,
    ...(v.lookback ? { lookbackDays: parseDays('--lookback', v.lookback) } : {}),
    ...(v.conversion?.length ? { conversions: v.conversion } : {}),
    ...(v['no-reset'] ? { resetAfterConversion: false } : {}),
    ...(v.since ? { since: v.since } : {}),
    ...(v.until ? { until: v.until } : {}),
    summaries: summariesFor(reportOf(v)),
    params: paramsFromFlags(v),
    ...(v['with-spend'] ? { withSpend: true } : {}),
  };
}

/** Runs the request where the data is: the running server (it holds the DuckDB file), else the warehouse read-only. */
export async function attributeOverWarehouse(config: Config, req: AttributeRequest): Promise<AttributeResponse> {
  const server = await findRunningServer(config);
  if (server) return server.call<AttributeResponse>('POST', '/admin/attribute', req);
  await offlineUse(config, 'attribute', req);
  const warehouse = await openWarehouse(config.warehouse, resolve(config.dataDir), { readOnly: true });
  try {
    const model = createDerivedModel(warehouse, config);
    // Freshness unknown (the check failed) counts as stale: sessions are derived on read instead.
    return await runAttribution(warehouse, config, req, { sessionsFresh: () => model.sessionsFresh().catch(() => false) });
  } finally {
    await warehouse.close();
  }
}

/** Checks the output flags before any work is done. */
function checkOutput(v: Options): void {
  reportOf(v);
  if (v.format !== 'table' && v.format !== 'json' && v.format !== 'csv') throw new ConfigError(`--format must be table, json or csv (got ${v.format})`);
  if (v.metric !== 'conversions' && v.metric !== 'value') throw new ConfigError('--metric: conversions or value');
}

function render(result: AttributeResponse | Parameters<typeof formatCreditsTable>[0], facts: RunFacts, v: Options): string {
  const report = reportOf(v);
  if (v.format === 'json') return formatCreditsJson(result, facts, report);
  if (v.format === 'csv') return formatCreditsCsv(result, facts, report);
  return formatCreditsTable(result, facts, { report, chartModel: v.chart, metric: v.metric as 'conversions' | 'value' });
}

/** `touchline attribute …`: returns the exit code. */
export async function attributeCommand(argv: readonly string[], out: (s: string) => void): Promise<number> {
  let v: Options;
  try {
    v = parseOptions(argv);
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}\n\n${ATTRIBUTE_HELP}`);
  }
  if (v.help) {
    out(ATTRIBUTE_HELP);
    return 0;
  }
  checkOutput(v);
  const req = requestFromFlags(v);
  const config = loadConfig({ config: v.config, 'data-dir': v['data-dir'], port: v.port, host: v.host, warehouse: v.warehouse, 'clickhouse-url': v['clickhouse-url'] });
  if (v.paths) {
    const lookbackDays = req.lookbackDays ?? config.attribution.lookbackDays;
    // Path elements are whatever the file holds: the empty-path bucket is `(direct)`.
    const params = { ...engineParams(req, config, '(direct)', lookbackDays), summaries: req.summaries ?? [] };
    const { result } = await attributePathsFile(v.paths, req.models, params);
    out(render(result, { level: 'path element', lookbackDays }, v));
    return 0;
  }
  if (v.html) {
    // The page shows every summary and the cost columns: the report computes them all, whatever --report says.
    const full = { ...req, summaries: summariesFor('all'), withSpend: true };
    const result = await attributeOverWarehouse(config, full);
    await writeStaticReport(v.html, full, result, req.lookbackDays ?? config.attribution.lookbackDays);
    out(`wrote ${v.html}: the attribution page as one static file (${result.models.length} models, ${result.level})`);
    return 0;
  }
  const result = await attributeOverWarehouse(config, req);
  out(render(result, { level: result.level, lookbackDays: req.lookbackDays ?? config.attribution.lookbackDays, engine: result.engine, sessions: result.sessions, notes: result.notes, spend: result.spend }, v));
  return 0;
}
