#!/usr/bin/env node
// Lists the functions longer than a limit (default 60 lines, STYLE.md's prompt to look again) in
// the TypeScript sources under a folder, longest first: `node scripts/long-functions.mjs
// packages/server/src [--limit 60] [--top 20]`. A function whose comment says why it is long is
// still listed (marked `long:`): the list is for reviewing; the gate is
// packages/server/test/architecture/function-length.test.ts, over the same analysis.
import { relative } from 'node:path';
import { LINE_LIMIT, longFunctions } from './function-lengths.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const root = args.find((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--'))) ?? 'packages/server/src';
const limit = opt('--limit', LINE_LIMIT);
const top = opt('--top', Infinity);

const found = longFunctions([root], limit);
for (const f of found.slice(0, top)) {
  const where = `${relative(process.cwd(), f.file)}:${f.line}`;
  console.log(`${String(f.lines).padStart(5)}  ${f.name.padEnd(32)} ${where}${f.reason ? `  (long: ${f.reason})` : ''}`);
}
console.log(`${found.length} function(s) over ${limit} lines under ${root}`);
