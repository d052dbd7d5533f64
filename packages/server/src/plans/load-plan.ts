import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { compilePlan, PlanError, type CompiledPlan } from './compile-plan.js';
import { PlanDocumentSchema, PlanPartSchema, type PlanDocument } from './plan-document.js';

const PLAN_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** The text of one plan file as data (JSON is YAML, but JSON's own parser says where it broke). */
function parseText(text: string, file: string): unknown {
  try {
    return extname(file) === '.json' ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new PlanError(`${file}: not valid ${extname(file) === '.json' ? 'JSON' : 'YAML'} (${(err as Error).message})`);
  }
}

function issues(file: string, error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): PlanError {
  const lines = error.issues.map((i) => `  ${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
  return new PlanError(`${file}: not a tracking plan:\n${lines.join('\n')}`);
}

/** A plan from one document's data (a file, or a document sent to the admin API). */
export function planFromData(data: unknown, where: string): PlanDocument {
  const parsed = PlanDocumentSchema.safeParse(data);
  if (!parsed.success) throw issues(where, parsed.error);
  return parsed.data;
}

/**
 * A folder of plan files: exactly one holds `version` (and `naming`, `identify`, `group`); the
 * events of all are merged, and an event defined twice is refused (which one would win?).
 */
async function readFolder(dir: string): Promise<PlanDocument> {
  const files = (await readdir(dir)).filter((f) => PLAN_EXTENSIONS.has(extname(f))).sort();
  if (files.length === 0) throw new PlanError(`${dir}: no .yaml, .yml or .json plan files`);
  const merged: Record<string, unknown> = { events: {} };
  const events = merged['events'] as Record<string, unknown>;
  const eventFile = new Map<string, string>();
  for (const f of files) {
    const path = join(dir, f);
    const part = PlanPartSchema.safeParse(parseText(await readFile(path, 'utf8'), path));
    if (!part.success) throw issues(path, part.error);
    for (const [k, v] of Object.entries(part.data)) {
      if (k === 'events') continue;
      if (merged[k] !== undefined && k !== 'name' && k !== 'naming') throw new PlanError(`${path}: \`${k}\` is also set in another file of ${dir}; keep it in one`);
      if (v !== undefined && (merged[k] === undefined || k === 'version')) merged[k] = v;
    }
    for (const [name, entry] of Object.entries(part.data.events ?? {})) {
      const other = eventFile.get(name);
      if (other) throw new PlanError(`${path}: event "${name}" is also defined in ${other}`);
      eventFile.set(name, path);
      events[name] = entry;
    }
  }
  if (merged['version'] === undefined) throw new PlanError(`${dir}: no file sets \`version\``);
  return planFromData(merged, dir);
}

/** Reads and compiles the plan at `path` (a file or a folder); throws {@link PlanError} saying what to fix. */
export async function loadPlan(path: string): Promise<CompiledPlan> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (err) {
    throw new PlanError(`plans.path: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const doc = isDir ? await readFolder(path) : planFromData(parseText(await readFile(path, 'utf8'), path), path);
  return compilePlan(doc);
}
