// The function-length analysis shared by scripts/long-functions.mjs (a list for reviewing) and
// packages/server/test/architecture/function-length.test.ts (the check that keeps functions small):
// one parser, so the list and the check never disagree about what a function's length is.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

/** STYLE.md's prompt to look again. */
export const LINE_LIMIT = 60;

/** The TypeScript sources under a folder (declaration files aside). */
export function* sourceFiles(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* sourceFiles(p);
    else if ((p.endsWith('.ts') || p.endsWith('.tsx')) && !p.endsWith('.d.ts')) yield p;
  }
}

/** The name a function goes by: its own, its variable's, its property's, or `(anonymous)`. */
function nameOf(node) {
  if (node.name && ts.isIdentifier(node.name)) return node.name.text;
  const parent = node.parent;
  if (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) && ts.isIdentifier(parent.name)) return parent.name.text;
  return '(anonymous)';
}

const COMMENT_LINE = /^\s*(\/\/|\/\*|\*)/;
const LONG_REASON = /^\s*\/\/ long: (\S.*)$/;

/**
 * The `// long: <why>` reason in the comment block right above a function's first line, or null.
 * The whole block counts, so the reason may sit above or below a TSDoc comment.
 */
export function longReason(lines, startLine) {
  for (let i = startLine - 1; i >= 0 && COMMENT_LINE.test(lines[i]); i--) {
    const m = LONG_REASON.exec(lines[i]);
    if (m) return m[1].trim();
  }
  return null;
}

const isFunction = (node) => ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isArrowFunction(node) || ts.isFunctionExpression(node);

/**
 * The functions of one source text longer than `limit` lines, each with its name, first line
 * (1-based) and `// long:` reason (null when it has none).
 */
export function longFunctionsIn(file, text, limit = LINE_LIMIT) {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const lines = text.split('\n');
  const found = [];
  const visit = (node) => {
    if (isFunction(node)) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const length = end - start + 1;
      if (length > limit) found.push({ file, line: start + 1, name: nameOf(node), lines: length, reason: longReason(lines, start) });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The long functions of every source under the given folders, longest first. */
export function longFunctions(roots, limit = LINE_LIMIT) {
  const found = [];
  for (const root of roots) for (const file of sourceFiles(root)) found.push(...longFunctionsIn(file, readFileSync(file, 'utf8'), limit));
  return found.sort((a, b) => b.lines - a.lines || a.file.localeCompare(b.file) || a.line - b.line);
}
