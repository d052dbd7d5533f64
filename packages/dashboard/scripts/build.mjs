// `npm run build -w @touchline/dashboard`: dist/index.html + dist/assets/<name>-<hash>.{js,css}.
// Hashed names let the server mark them immutable; index.html holds no inline script or style
// (the server's CSP allows only self). Prints each asset's size, minified and gzip -9.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
await rm(dist, { recursive: true, force: true });
await mkdir(join(dist, 'assets'), { recursive: true });

const result = await esbuild.build({
  entryPoints: { app: join(root, 'src/main.tsx') },
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: join(dist, 'assets'),
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  metafile: true,
  legalComments: 'linked',
  logLevel: 'warning',
});

// The static report's renderer, for `touchline attribute --html` (Node, styles inlined as text).
await esbuild.build({
  entryPoints: [join(root, 'src/report/render-report.tsx')],
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  loader: { '.css': 'text' },
  outfile: join(dist, 'report.mjs'),
  logLevel: 'warning',
});

const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
const js = outputs.find((f) => f.endsWith('.js'));
const css = outputs.find((f) => f.endsWith('.css'));
const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Touchline</title>
<link rel="icon" href="data:,">
${css ? `<link rel="stylesheet" href="/assets/${css}">\n` : ''}<script type="module" src="/assets/${js}"></script>
</head>
<body><div id="app"></div><noscript>The Touchline dashboard needs JavaScript.</noscript></body>
</html>
`;
await writeFile(join(dist, 'index.html'), html);
for (const f of outputs.filter((f) => /\.(js|css)$/.test(f))) {
  const body = await readFile(join(dist, 'assets', f));
  console.log(`@touchline/dashboard: ${f} ${body.length} B, ${gzipSync(body, { level: 9 }).length} B gzip -9`);
}
