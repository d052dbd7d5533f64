import { activationJunkIds, excludedSources, mappingSourceColumn } from '../config/activation-config.js';
import { sourceSql, withoutSources } from '../model/source-sql.js';
import type { DiffCounts, StageInfo, SyncMode } from '../store/records.js';
import type { DiffPlan } from '../store/store-engine.js';
import type { EngineContext } from './engine-context.js';
import { mappedColumns, MappingError } from './field-mapping.js';
import { checkGuards } from './guards.js';
import type { ResolvedSync } from './resolve-sync.js';

/** Whether to diff against the state or send every row (a full resync). */
export type StateUse = 'against-state' | 'every-row';

/** Which rows a mode sends: insert new keys only; update/upsert changes too; mirror also removals. */
export function diffPlan(mode: SyncMode, use: StateUse): DiffPlan {
  return { changes: mode !== 'insert', removals: mode === 'mirror', ignoreState: use === 'every-row' };
}

/**
 * Stages the sync's source (primary key as text, a hash of the mapped columns, the kept columns)
 * and diffs it against the sync's state, in the warehouse. Throws `MappingError` / `StageError`
 * for what the user must fix in the sync.
 */
export async function planRun(
  ctx: EngineContext,
  r: ResolvedSync,
  tables: { readonly stage: string; readonly diff: string },
  use: StateUse,
): Promise<{ readonly stage: StageInfo; readonly counts: DiffCounts }> {
  const excluded = excludedSources(ctx.config, r.sync.destination, r.sync.allowTestSources);
  const asWritten = sourceSql(r.sync.source, ctx.warehouse, ctx.clock.now(), activationJunkIds(ctx.config), excluded);
  const columns = await ctx.store.describe(asWritten);
  const where = `syncs.${r.syncName}`;
  // Test sources' rows never reach a production destination: the model leaves them out itself; a SQL source must say where each row came from.
  const sql = 'sql' in r.sync.source ? withoutSources(asWritten, columns.map((c) => c.name), ctx.warehouse, excluded) : asWritten;
  if (!sql) {
    throw new MappingError(
      `${where}.source: destination ${r.sync.destination} is production and testSources are set, but the query returns no source_id column to leave their rows out by: return source_id, or (an admin) set ${where}.allowTestSources`,
    );
  }
  if (!columns.some((c) => c.name === r.sync.primaryKey)) {
    throw new MappingError(`${where}.primaryKey: the source has no column "${r.sync.primaryKey}" (it returns ${columns.map((c) => c.name).join(', ')})`);
  }
  const hashed = mappedColumns(columns, r.sync.mapping, where);
  const keep = r.sync.mapping ? [...new Set([r.sync.primaryKey, ...Object.values(r.sync.mapping).flatMap((v) => mappingSourceColumn(v) ?? [])])] : '*';
  const stage = await ctx.store.stage(tables.stage, sql, r.sync.primaryKey, hashed, keep);
  const counts = await ctx.store.diff(tables.diff, tables.stage, r.syncName, diffPlan(r.sync.mode, use));
  return { stage, counts };
}

/** The blast-radius guards' refusal for this diff, given the sync's history; null to go ahead. */
export async function guardRun(ctx: EngineContext, r: ResolvedSync, counts: DiffCounts): Promise<string | null> {
  const history = (await ctx.store.runs(r.syncName, { limit: 5, statuses: ['succeeded'] }))
    .filter((x) => x.kind === 'run')
    .map((x) => x.plannedAdd + x.plannedChange + x.plannedRemove);
  return checkGuards({ mode: r.sync.mode, counts, delivered: await ctx.store.deliveredCount(r.syncName), history, guards: r.sync.guards, deletes: r.destination.capabilities.deletes !== undefined });
}
