// The tracker's build, shared by `npm run build` (scripts/build.mjs) and the size-budget test, so
// the budget measures exactly what ships.
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { minify } from 'terser';

export const root = fileURLToPath(new URL('..', import.meta.url));

/** The size budget of `dist/s.js`, gzip -9: 3 KB. */
export const SCRIPT_BUDGET_BYTES = 3 * 1024;

/**
 * Loads `src/protocol.ts` (the tracker's slice of `@touchline/protocol`) at build time, as Node
 * sees it: the real registry, lists and constants.
 */
export async function loadProtocolSlice() {
  const r = await esbuild.build({
    entryPoints: [`${root}src/protocol.ts`],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['touchline-source'],
    write: false,
    logLevel: 'silent',
  });
  return import('data:text/javascript;base64,' + Buffer.from(r.outputFiles[0].text).toString('base64'));
}

const words = (/** @type {readonly string[]} */ list, /** @type {string} */ what) => {
  const s = list.join(',');
  if (/[^\w.:-]/.test(list.join(''))) throw new Error(`${what}: an entry has a character outside [A-Za-z0-9_.:-]: ${s}`);
  return `${JSON.stringify(s)}.split(",")`;
};

/**
 * The browser's copy of `src/protocol.ts`, generated from the real one: one source of truth, the
 * values are computed, never written. It is printed compactly — lists as one comma-joined
 * string, the click-id registry reduced to what the tracker reads (`column`, `params`, in registry
 * order) — because the registry's `network`/`implies` metadata and the derived
 * `CLICK_ID_BY_PARAM`/`CLICK_ID_COLUMNS` (top-level calls esbuild cannot tree-shake) would cost
 * ~0.5 KB gzipped in a 3 KB script.
 */
export async function browserProtocolModule() {
  const p = await loadProtocolSlice();
  const ids = p.CLICK_IDS.map((/** @type {{column: string, params: string[]}} */ e) =>
    e.params.length === 1 && e.params[0] === e.column ? e.column : [e.column, ...e.params].join(':'),
  );
  return [
    `// Generated from @touchline/protocol by packages/tracker/scripts/build-config.mjs`,
    `export const CLICK_IDS = ${words(ids, 'click-id registry')}.map((s) => {`,
    `  const [column, ...params] = s.split(":");`,
    `  return { column, params: params.length ? params : [column] };`,
    `});`,
    `export const UTM_KEYS = ${words(p.UTM_KEYS, 'UTM_KEYS')};`,
    `export const DEFAULT_REFERRAL_EXCLUSIONS = ${words(p.DEFAULT_REFERRAL_EXCLUSIONS, 'DEFAULT_REFERRAL_EXCLUSIONS')};`,
    `export const DEFAULT_SESSION_TIMEOUT_MS = ${Number(p.DEFAULT_SESSION_TIMEOUT_MS)};`,
    `export const TRACKER_MAX_PAYLOAD_BYTES = ${Number(p.TRACKER_MAX_PAYLOAD_BYTES)};`,
    // The protocol's retry rule, as compiled: a small pure function, copied as it is.
    `export const retryableStatus = ${p.retryableStatus.toString()};`,
    '',
  ].join('\n');
}

/** @type {import('esbuild').Plugin} */
const browserProtocol = {
  name: 'browser-protocol',
  setup(build) {
    build.onLoad({ filter: /[\\/]tracker[\\/]src[\\/]protocol\.ts$/ }, async () => ({
      contents: await browserProtocolModule(),
      loader: 'js',
    }));
  },
};

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  target: 'es2020',
  logLevel: 'silent',
  plugins: [browserProtocol],
  // no "use strict" prologue: the IIFE does not need it (and ESM is strict anyway)
  tsconfigRaw: { compilerOptions: { alwaysStrict: false, verbatimModuleSyntax: true } },
};

/**
 * The script-tag build, stage 1: esbuild bundles and minifies one IIFE. Property names that only
 * the tracker's own objects carry (its capability ports, the transport, the compact registry) are
 * mangled too: they never meet the host page, the wire or storage.
 */
export const iife = {
  ...common,
  entryPoints: [`${root}src/script.ts`],
  format: /** @type {const} */ ('iife'),
  minify: true,
  mangleProps: /^(uuid|storage|post|beacon|onHide|later|onNavigate|start|clear|column|params)$/,
  legalComments: /** @type {const} */ ('none'),
};

/**
 * Stage 2: terser. Its multi-pass compressor inlines single-use functions and merges
 * declarations that esbuild's single pass keeps: ~150 bytes gzipped, 5 % of the budget.
 * Safe options only (no `unsafe*`).
 * @type {import('terser').MinifyOptions}
 */
const terserOptions = { ecma: 2020, toplevel: true, compress: { passes: 3 }, mangle: { toplevel: true } };

/** Builds the script-tag bundle; returns its code and its gzip -9 size. */
export async function buildScript() {
  const r = await esbuild.build({ ...iife, write: false });
  const out = await minify(r.outputFiles[0].text, terserOptions);
  if (!out.code) throw new Error('terser produced no code for dist/s.js');
  return { code: out.code, gzipBytes: gzipSync(out.code, { level: 9 }).length };
}

/** The ESM build for apps: protocol data bundled in (zero runtime dependencies), readable. */
export const esm = {
  ...common,
  entryPoints: { index: `${root}src/index.ts`, snippet: `${root}src/snippet.ts` },
  format: /** @type {const} */ ('esm'),
  platform: /** @type {const} */ ('neutral'),
  splitting: true,
  outdir: `${root}dist`,
  chunkNames: 'chunk-[hash]',
};
