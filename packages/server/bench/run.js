#!/usr/bin/env node
// `npm run bench`: bundles a bench (TypeScript, importing the sources) with esbuild and runs it.
//   npm run bench                 the activation bench (send rate, 1M-row diff)
//   npm run bench -- clickhouse   the ClickHouse ingest bench
// Workspace packages are imported as built (`npm run build` first; `npm install` does it).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const benches = { activation: 'activation.bench.ts', clickhouse: 'clickhouse-ingest.ts' };
const name = process.argv[2] ?? 'activation';
const entry = benches[name];
if (!entry) {
  console.error(`unknown bench "${name}"; one of ${Object.keys(benches).join(', ')}`);
  process.exit(1);
}
const outDir = join(here, '..', '..', '..', 'node_modules', '.cache', 'touchline-bench');
mkdirSync(outDir, { recursive: true });
const outfile = join(outDir, `${name}.mjs`);
await build({ entryPoints: [join(here, entry)], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile, logLevel: 'warning' });
const r = spawnSync(process.execPath, [outfile, ...process.argv.slice(3)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
