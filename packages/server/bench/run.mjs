#!/usr/bin/env node
// `npm run bench [-- <name>…]`: builds Touchline, then runs each benchmark in bench/*.ts (bundled
// with esbuild, dependencies external) one after another. Every figure is printed as a ratio to a
// baseline measured in the same run: these machines are noisy.
import { spawnSync } from 'node:child_process';
import { build } from 'esbuild';
import { mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');
const wanted = process.argv.slice(2);
const order = ['ingest', 'attribution', 'clickhouse-ingest', 'clickhouse-load', 'activation', 'touch-store'];
const all = readdirSync(here)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3))
  .sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
const names = wanted.length > 0 ? wanted : all;
for (const n of names) if (!all.includes(n)) throw new Error(`no benchmark "${n}" (have: ${all.join(', ')})`);

const b = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
if (b.status !== 0) process.exit(b.status ?? 1);

const out = join(root, 'node_modules/.cache/touchline-bench');
mkdirSync(out, { recursive: true });
let failed = 0;
for (const name of names) {
  const file = join(out, `${name}.mjs`);
  await build({ entryPoints: [join(here, `${name}.ts`)], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: file, logLevel: 'error', conditions: ['touchline-source'] });
  console.log(`\n=== bench: ${name} ===`);
  const r = spawnSync(process.execPath, [file], { cwd: root, stdio: 'inherit', env: process.env });
  if (r.status !== 0) {
    failed++;
    console.log(`bench ${name} failed (exit ${r.status})`);
  }
}
process.exit(failed > 0 ? 1 : 0);
