// Types for scripts/function-lengths.mjs, which the architecture test imports.
export interface LongFunction {
  readonly file: string;
  /** The function's first line, 1-based. */
  readonly line: number;
  readonly name: string;
  readonly lines: number;
  /** The `// long: <why>` reason above it, or null. */
  readonly reason: string | null;
}
export const LINE_LIMIT: number;
export function sourceFiles(dir: string): Generator<string>;
export function longReason(lines: readonly string[], startLine: number): string | null;
export function longFunctionsIn(file: string, text: string, limit?: number): LongFunction[];
export function longFunctions(roots: readonly string[], limit?: number): LongFunction[];
