import { createHash } from 'node:crypto';
import { bindModel } from '../identity/bound-model.js';
import type { ModelSql } from '../identity/model-views.js';
import { channelSql, sourceMediumCampaignSql } from '../identity/touch-sql.js';
import type { SqlParams, Warehouse, WarehouseTransaction } from '../warehouse/warehouse.js';

/**
 * The Journeys page's touch labels (DuckDB): source, medium, campaign and channel of each distinct
 * landing signature — the only sessions columns those are derived from — under the current rules.
 * The channel rules bind some 1,700 values; a statement carrying them costs DuckDB 0.2–0.6 s to
 * plan, on every execution, whatever the rows (one person's two touches included). Labelled once
 * per signature (a few dozen to a few thousand), a journey's touches are a join instead. Each row
 * carries the rules' fingerprint (the labelling statement's text and values), so a row of other
 * rules is never read; a touch without a label of these rules sends the journey back to the
 * statement with the rules in it, so a missing label costs time, never a wrong answer.
 */
export const TOUCH_LABELS_TABLE = 'dashboard_touch_labels';

/** The sessions columns `sourceMediumCampaignSql` reads: a landing's signature. */
const SIGNATURE = ['utm_source', 'utm_medium', 'utm_campaign', 'implied_click', 'referrer_domain'] as const;

export const TOUCH_LABELS_DDL = `CREATE TABLE IF NOT EXISTS ${TOUCH_LABELS_TABLE} (
  rules VARCHAR NOT NULL, ${SIGNATURE.map((c) => `${c} VARCHAR`).join(', ')}, source VARCHAR, medium VARCHAR, campaign VARCHAR, channel VARCHAR)`;

/** The labels of each row of `relation` (the signature columns), as columns, with the values they bind and their fingerprint. */
function labelsOf(m: ModelSql, relation: string): { select: string; params: SqlParams; rules: string } {
  const { model, params } = bindModel(m);
  const smc = sourceMediumCampaignSql(model.rules);
  const select = `SELECT ${SIGNATURE.join(', ')}, source, medium, campaign, ${channelSql(model.rules)} AS channel
FROM (SELECT *, ${smc.source} AS source, ${smc.medium} AS medium, ${smc.campaign} AS campaign FROM ${relation}) AS s`;
  const rules = createHash('sha1').update(`${select}\n${JSON.stringify(params)}`).digest('hex');
  return { select, params, rules };
}

/** The fingerprint a label row of the current rules carries. */
export function touchLabelRules(m: ModelSql): string {
  return labelsOf(m, 'touch_sessions').rules;
}

/** `l` (a label row of `rules`) has the signature of `s`. */
const sameSignature = (l: string, s: string) => SIGNATURE.map((c) => `${l}.${c} IS NOT DISTINCT FROM ${s}.${c}`).join(' AND ');

/** Labels the signatures of the sessions `where` keeps (on `started_at`) that have none under the current rules. */
export async function labelTouches(tx: WarehouseTransaction, m: ModelSql, where: string): Promise<void> {
  const fresh = `(SELECT DISTINCT ${SIGNATURE.join(', ')} FROM touch_sessions AS t WHERE ${where}
  AND NOT EXISTS (SELECT 1 FROM ${TOUCH_LABELS_TABLE} AS l WHERE l.rules = $tl_rules AND ${sameSignature('l', 't')}))`;
  // The fingerprint is of the labelling over `touch_sessions`, whatever rows this run picks.
  const rules = touchLabelRules(m);
  // Most loads bring no new landing: checked without the rules, whose statement alone costs 0.2–0.6 s to plan.
  const unlabelled = await tx.run(`SELECT count(*) FROM ${fresh} AS f`, { tl_rules: rules });
  if (Number(unlabelled.rows[0]?.[0]) === 0) return;
  const { select, params } = labelsOf(m, fresh);
  await tx.run(`INSERT INTO ${TOUCH_LABELS_TABLE} SELECT $tl_rules, * FROM (${select})`, { ...params, tl_rules: rules });
}

/** At start: labels of other rules dropped, and every signature labelled unless some already are under these rules. */
export async function ensureTouchLabels(w: Warehouse, m: ModelSql): Promise<void> {
  const rules = touchLabelRules(m);
  const current = await w.query(`SELECT count(*) FROM ${TOUCH_LABELS_TABLE} WHERE rules = $tl_rules`, { params: { tl_rules: rules } });
  if (Number(current.rows[0]?.[0]) > 0) return;
  await w.transaction(async (tx) => {
    await tx.run(`DELETE FROM ${TOUCH_LABELS_TABLE}`);
    await labelTouches(tx, m, 'TRUE');
  });
}

/**
 * One person's touches from `from` (their `touch_sessions` rows, aliased `p`), labelled by a
 * join: the columns the page shows, and `_labelled` (false where no label of these rules matched).
 */
export function labelledTouchesSql(from: string, limit: number): string {
  return `SELECT p.started_at AS touch_at, p.kind, l.source, l.medium, l.campaign, l.channel, p.click_id_type, p.referrer_domain, p.device_id, l.rules IS NOT NULL AS _labelled
FROM ${from} LEFT JOIN ${TOUCH_LABELS_TABLE} AS l ON l.rules = $tl_rules AND ${sameSignature('l', 'p')}
ORDER BY p.started_at LIMIT ${limit}`;
}
