import type { Readable } from 'node:stream';
import { createAttribution } from '../create-attribution.js';
import type { ModelSpec } from '../models.js';
import type { AttributionParams } from '../params.js';
import type { AttributionResult } from '../result.js';
import { readPathsFile } from './read-paths-file.js';

/** A bad line of a paths file: where, which field, what to do. */
export interface PathsFileProblem {
  readonly line: number;
  readonly field: string;
  readonly message: string;
}

/** Thrown by {@link attributePathsFile} (with `onError: 'throw'`) at the first bad line. */
export class PathsFileError extends Error {
  constructor(
    readonly source: string,
    readonly problem: PathsFileProblem,
  ) {
    super(`${source}:${problem.line}: ${problem.message}`);
    this.name = 'PathsFileError';
  }
}

export interface PathsFileOptions {
  /**
   * `'throw'`: stop at the first bad line with a {@link PathsFileError}. `'skip'`: leave bad lines
   * out and list them (up to `maxProblems`) next to the result.
   * @defaultValue 'throw'
   */
  readonly onError?: 'throw' | 'skip';
  /** @defaultValue 100 */
  readonly maxProblems?: number;
}

export interface PathsFileResult {
  readonly result: AttributionResult;
  /** Bad lines skipped (`onError: 'skip'`). */
  readonly problems: PathsFileProblem[];
  /** How many bad lines there were in all (problems beyond `maxProblems` are counted, not kept). */
  readonly skipped: number;
}

/**
 * Runs every requested model over a paths file (what `touchline attribute --paths file.ndjson`
 * calls). Both parse errors and model refusals (time decay without times, W-shaped without
 * milestones) are reported with the line number.
 *
 * @example
 * ```ts
 * const { result } = await attributePathsFile('paths.ndjson', ['linear', 'markov']);
 * console.log(JSON.stringify(result.models));
 * ```
 */
export async function attributePathsFile(
  input: string | Readable,
  models: readonly ModelSpec[],
  params: AttributionParams = {},
  opts: PathsFileOptions = {},
): Promise<PathsFileResult> {
  const source = typeof input === 'string' ? input : 'paths';
  const run = createAttribution(models, params);
  const problems: PathsFileProblem[] = [];
  const max = opts.maxProblems ?? 100;
  let skipped = 0;
  for await (const parsed of readPathsFile(input)) {
    let problem: PathsFileProblem | undefined;
    if (!parsed.ok) problem = { line: parsed.line, field: parsed.field, message: parsed.message };
    else {
      const added = run.add(parsed.path);
      if (!added.ok) problem = { line: parsed.line, field: added.field, message: added.message };
    }
    if (!problem) continue;
    if ((opts.onError ?? 'throw') === 'throw') throw new PathsFileError(source, problem);
    skipped++;
    if (problems.length < max) problems.push(problem);
  }
  return { result: run.result(), problems, skipped };
}
