import type { RevenueGroup } from '../taxonomy/utm-report.js';
import { UTM_PARAMS, type UtmParam } from '../taxonomy/utm-rules.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { bindModel } from './bound-model.js';
import { conversionsSql } from './conversions-sql.js';
import type { ModelSql } from './model-views.js';

/**
 * Revenue by the last touch of each conversion: the configured conversions
 * (`attribution.conversions`) of the range, credited whole to the UTM values of the visitor's last
 * marketing touch that the touch store stamped on the conversion event (`last_utm_*`, raw as
 * landed). Last touch, not the attribution model: the report asks which raw values carried the
 * money, and the stamp is the one touch every engine holds on the conversion itself.
 */
export async function revenueByLastTouch(w: Warehouse, m: ModelSql, range: { readonly sinceMs: number; readonly untilMs: number }): Promise<RevenueGroup[]> {
  const { model, params } = bindModel(m);
  const f = model.rules.fns;
  const conversions = conversionsSql(model.rules, model.conversions, { since: new Date(range.sinceMs).toISOString(), until: new Date(range.untilMs).toISOString() });
  const last = UTM_PARAMS.map((p, i) => `${f.quoteIdent(`last_${p}`)} AS ${f.quoteIdent(`l${i}`)}`).join(', ');
  const cols = UTM_PARAMS.map((_, i) => f.quoteIdent(`l${i}`)).join(', ');
  // One JOIN per SELECT, columns named apart: what ClickHouse 18.16 takes.
  const sql = `SELECT ${cols}, sum(cv) AS revenue FROM (SELECT message_id AS c_id, source_id AS c_src, value AS cv FROM (${conversions}) AS c0) AS c
JOIN (SELECT message_id AS e_id, source_id AS e_src, ${last} FROM events WHERE type = 'track') AS e ON c_id = e_id AND c_src = e_src
GROUP BY ${cols}`;
  const r = await w.query(sql, { params });
  return r.rows.map((row) => {
    const tags: Partial<Record<UtmParam, string>> = {};
    UTM_PARAMS.forEach((p, i) => {
      const v = row[i];
      if (typeof v === 'string' && v !== '') tags[p] = v;
    });
    return { tags, revenue: Number(row[UTM_PARAMS.length] ?? 0) };
  });
}
