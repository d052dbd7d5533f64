// `npm run build`: dist/index.js + dist/snippet.js (ESM, protocol data bundled in),
// dist/s.js (the script-tag IIFE, minified), dist/snippet.html (the default loader).
// Declarations (dist/*.d.ts) come from `tsc -b` at the repository root.
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import * as esbuild from 'esbuild';
import { buildScript, esm, root, SCRIPT_BUDGET_BYTES } from './build-config.mjs';

const dist = `${root}dist`;
await mkdir(dist, { recursive: true });
// esbuild's outputs only (chunk names carry a hash); tsc's .d.ts files stay
for (const f of await readdir(dist)) if (/\.js(\.map)?$|\.html$/.test(f)) await rm(`${dist}/${f}`);
await esbuild.build(esm);
const { code, gzipBytes } = await buildScript();
await writeFile(`${dist}/s.js`, code);
const { snippet } = await import(`${dist}/snippet.js`);
await writeFile(`${dist}/snippet.html`, snippet() + '\n');
console.log(`@touchline/tracker: dist/s.js ${code.length} B, ${gzipBytes} B gzip -9 (budget ${SCRIPT_BUDGET_BYTES} B)`);
if (gzipBytes > SCRIPT_BUDGET_BYTES) {
  console.error(`dist/s.js is over its ${SCRIPT_BUDGET_BYTES} B budget by ${gzipBytes - SCRIPT_BUDGET_BYTES} B`);
  process.exit(1);
}
