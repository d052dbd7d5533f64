import { systemClock } from '../../clock/clock.js';
import { resolve } from 'node:path';
import type { Config } from '../../config/config.js';
import { ConfigError } from '../../config/config.js';
import { buildTaggedUrl } from '../../taxonomy/utm-build.js';
import { utmReport, type UtmReport } from '../../taxonomy/utm-report.js';
import { compileUtmRules, UtmRulesSchema, type UtmParam, type UtmRules } from '../../taxonomy/utm-rules.js';
import { openWarehouse } from '../../warehouse/open-warehouse.js';
import { modelSqlFor } from '../../identity/derived-model.js';
import { revenueByLastTouch } from '../../identity/utm-revenue.js';
import { offlineUse } from '../offline.js';
import { findRunningServer } from '../server-handle.js';

export interface UtmFlags {
  readonly source?: string | undefined;
  readonly medium?: string | undefined;
  readonly campaign?: string | undefined;
  readonly term?: string | undefined;
  readonly content?: string | undefined;
  readonly days?: string | undefined;
  readonly json: boolean;
}

/** The configured taxonomy (`attribution.utm`), or normalisation alone when none is configured. */
export function utmRulesOf(config: Config): UtmRules {
  return compileUtmRules(config.attribution.utm ?? UtmRulesSchema.parse({}));
}

async function report(config: Config, days: number): Promise<UtmReport> {
  const server = await findRunningServer(config);
  if (server) return server.call<UtmReport>('GET', `/admin/utm/report?days=${days}`);
  await offlineUse(config, 'utm.report', { days });
  const w = await openWarehouse(config.warehouse, resolve(config.dataDir), { readOnly: true });
  try {
    const now = systemClock.now();
    const model = modelSqlFor(w, config);
    return await utmReport(w, { sinceMs: now - days * 86_400_000, untilMs: now + 1 }, utmRulesOf(config), (range) => revenueByLastTouch(w, model, range));
  } finally {
    await w.close();
  }
}

/** `touchline utm report [--days 30]` | `touchline utm build <url> --source … --medium … --campaign …`. */
export async function utmCommand(config: Config, args: string[], f: UtmFlags, out: (s: string) => void): Promise<void> {
  const [verb, url] = args;
  if (verb === 'report') {
    const days = Number(f.days ?? 30);
    if (!(Number.isInteger(days) && days > 0)) throw new ConfigError(`--days must be a whole number of days (got ${f.days})`);
    const r = await report(config, days);
    if (f.json) return out(JSON.stringify(r, null, 2));
    out(`${r.landings} tagged landings in the last ${days} days; ${r.lines.length} nonconforming values (revenue: the conversions each value was the last touch of)`);
    for (const l of r.lines) out(`${String(l.landings).padStart(8)}  ${(l.revenue ?? 0).toFixed(2).padStart(12)}  ${l.param} ${l.value ? JSON.stringify(l.value) : '(missing)'}  ${l.problem}  → ${l.fix}`);
    return;
  }
  if (verb === 'build') {
    if (!url) throw new ConfigError('usage: touchline utm build <url> --source S --medium M --campaign C [--term T] [--content X]');
    const tag: Partial<Record<UtmParam, string>> = {};
    for (const k of ['source', 'medium', 'campaign', 'term', 'content'] as const) if (f[k] !== undefined) tag[`utm_${k}`] = f[k];
    try {
      out(buildTaggedUrl(url, tag, utmRulesOf(config)));
    } catch (err) {
      throw new ConfigError((err as Error).message);
    }
    return;
  }
  throw new ConfigError('usage: touchline utm report [--days 30] | utm build <url> --source S --medium M --campaign C');
}
