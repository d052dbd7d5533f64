import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { LINE_LIMIT, longFunctions, type LongFunction } from '../../../../scripts/function-lengths.mjs';

// STYLE.md: a function past ~60 lines is a prompt to look again. This check (the same analysis as
// scripts/long-functions.mjs) fails on a new long function unless the comment block right above
// it says why (`// long: <why>`), or it is one of the known ones below, each with the issue whose
// work will shrink it. The list only shrinks: an entry that is no longer long fails too.
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const PACKAGES = ['protocol', 'attribution', 'destinations', 'tracker', 'site', 'dashboard', 'server'];

/** Long functions not yet split: [file from the repository root, function name, owner issue]. Empty: every one was split or says why. */
const KNOWN_LONG: ReadonlyArray<readonly [file: string, name: string, issue: number]> = [
];

/** What the check reports: long functions with no reason and not known, and known ones that are short now. */
function lengthViolations(found: readonly LongFunction[], known: typeof KNOWN_LONG, root: string): { unexplained: string[]; stale: string[] } {
  const key = (file: string, name: string) => `${file} ${name}`;
  const knownKeys = new Set(known.map(([file, name]) => key(file, name)));
  const long = found.filter((f) => f.reason === null).map((f) => ({ ...f, at: relative(root, f.file) }));
  const unexplained = long.filter((f) => !knownKeys.has(key(f.at, f.name))).map((f) => `${f.at}:${f.line} ${f.name} (${f.lines} lines)`);
  const stillLong = new Set(long.map((f) => key(f.at, f.name)));
  const stale = known.filter(([file, name]) => !stillLong.has(key(file, name))).map(([file, name, issue]) => `${file} ${name} (#${issue})`);
  return { unexplained, stale };
}

describe('function length', () => {
  it(`no function in packages/*/src is over ${LINE_LIMIT} lines without a reason, and the known long ones still are`, () => {
    const found = longFunctions(PACKAGES.map((p) => join(repo, 'packages', p, 'src')));
    const { unexplained, stale } = lengthViolations(found, KNOWN_LONG, repo);
    // Split the function into named steps, or say why it is long in a `// long: <why>` line above it.
    expect(unexplained, 'functions over the limit with no `// long:` reason').toEqual([]);
    // A known long function was split (or renamed): take it off KNOWN_LONG.
    expect(stale, 'KNOWN_LONG entries that are no longer long').toEqual([]);
  });

  describe('on planted files', () => {
    let dir: string | undefined;
    afterEach(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
      dir = undefined;
    });
    const plant = (text: string) => {
      dir = mkdtempSync(join(tmpdir(), 'touchline-lengths-'));
      writeFileSync(join(dir, 'planted.ts'), text);
      return lengthViolations(longFunctions([dir]), [], dir);
    };
    const body = (n: number) => Array.from({ length: n }, (_, i) => `  total += ${i};`).join('\n');

    it('fail on a function one line over the limit', () => {
      const r = plant(`/** Adds. */\nexport function planted(): number {\n  let total = 0;\n${body(LINE_LIMIT - 3)}\n  return total;\n}\n`);
      expect(r.unexplained).toEqual([`planted.ts:2 planted (${LINE_LIMIT + 1} lines)`]);
    });

    it('fail on a long arrow function held by a variable, and pass one at the limit', () => {
      const r = plant(`export const arrow = () => {\n  let total = 0;\n${body(LINE_LIMIT - 3)}\n  return total;\n};\nexport const fits = () => {\n${body(LINE_LIMIT - 2)}\n};\n`);
      expect(r.unexplained).toEqual([`planted.ts:1 arrow (${LINE_LIMIT + 1} lines)`]);
    });

    it('pass a long function whose comment block says why, above or below its TSDoc', () => {
      const long = `function planted(): number {\n  let total = 0;\n${body(LINE_LIMIT)}\n  return total;\n}\n`;
      expect(plant(`// long: one table of cases, read top to bottom\n/** Adds. */\n${long}`).unexplained).toEqual([]);
      expect(plant(`/** Adds. */\n// long: one table of cases, read top to bottom\n${long}`).unexplained).toEqual([]);
      // A reason must say something, and must be right above: a blank line ends the comment block.
      expect(plant(`// long:\n${long}`).unexplained).toHaveLength(1);
      expect(plant(`// long: why\n\n${long}`).unexplained).toHaveLength(1);
    });

    it('report a known entry that is no longer long', () => {
      dir = mkdtempSync(join(tmpdir(), 'touchline-lengths-'));
      writeFileSync(join(dir, 'short.ts'), 'export const short = () => 1;\n');
      expect(lengthViolations(longFunctions([dir]), [['short.ts', 'short', 12]], dir).stale).toEqual(['short.ts short (#12)']);
    });
  });
});
