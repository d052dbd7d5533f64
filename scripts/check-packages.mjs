#!/usr/bin/env node
// `node scripts/check-packages.mjs`: checks that every workspace would install and run on its own
// from npm, where no workspace hoists an undeclared package next to it:
//   - every package its sources, built JavaScript and shipped type declarations import is a
//     dependency or peer dependency (a devDependency is not installed for users);
//   - an optional peer dependency is not reached from the main entry (only from a subpath that
//     says it needs it);
//   - license MIT with a LICENSE file, a README, `repository`, `engines`, and every `exports`
//     target present in the package (run after the build).
// Prints one line per problem and exits 1 when there is any. The test
// (packages/server/test/packaging/package-manifests.test.ts) runs it on the workspaces and on
// broken fixtures.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const BUILTINS = new Set(builtinModules);
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)['"]([^'"\n]+)['"]/g;

/** The package a bare specifier names (`@scope/name/sub` → `@scope/name`), or null for relative / builtin. */
export function packageOf(spec) {
  if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:') || spec.startsWith('#')) return null;
  const parts = spec.split('/');
  const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  return BUILTINS.has(name) ? null : name;
}

/** What a module specifier can be: relative, absolute, `node:`/`#` prefixed, or an npm package name (and a path in it). */
const MODULE_SPEC = /^(?:[./#]|node:|(?:@[a-z0-9~-][a-z0-9._~-]*\/)?[a-z0-9~-][a-z0-9._~-]*(?:\/|$))/;

/**
 * Import specifiers of one source file, comments removed first (they quote module names in
 * prose). In minified bundles, text ending in "from" before a quoted argument (`…from ",i(`) looks
 * like an import to the pattern: a "specifier" no module could have is not one.
 */
export function specifiersOf(text) {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  return [...code.matchAll(SPECIFIER)].map((m) => m[1]).filter((spec) => MODULE_SPEC.test(spec));
}

function filesUnder(dir, test) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .map((f) => join(dir, String(f)))
    .filter((f) => test(f) && statSync(f).isFile());
}

const isSource = (f) => /\.(ts|mts|js|mjs)$/.test(f) && !/\.test\.|\.d\.ts$/.test(f);
const isShipped = (f) => /\.(js|mjs|d\.ts)$/.test(f);

/** Export targets of `exports` (any condition), as paths relative to the package. */
function exportTargets(exp) {
  if (typeof exp === 'string') return [exp];
  if (!exp || typeof exp !== 'object') return [];
  return Object.values(exp).flatMap(exportTargets);
}

/** Files reachable from `entry` through relative imports (the built JavaScript of one export). */
function reachable(entry) {
  const seen = new Set();
  const todo = [entry];
  while (todo.length) {
    const f = todo.pop();
    if (seen.has(f) || !existsSync(f)) continue;
    seen.add(f);
    for (const s of specifiersOf(readFileSync(f, 'utf8'))) if (s.startsWith('.')) todo.push(resolve(dirname(f), s));
  }
  return [...seen];
}

function manifestProblems(dir, pkg) {
  const out = [];
  if (pkg.license !== 'MIT') out.push(`license is ${JSON.stringify(pkg.license)}, not "MIT"`);
  if (!existsSync(join(dir, 'LICENSE'))) out.push('no LICENSE file');
  if (!existsSync(join(dir, 'README.md'))) out.push('no README.md');
  if (!pkg.repository?.url) out.push('no "repository" with a url');
  if (!pkg.engines?.node) out.push('no "engines.node"');
  for (const t of exportTargets(pkg.exports)) if (!existsSync(join(dir, t))) out.push(`exports target ${t} is missing (built?)`);
  for (const b of Object.values(pkg.bin ?? {})) if (!existsSync(join(dir, b))) out.push(`bin ${b} is missing`);
  return out;
}

/** Problems of the package in `dir`, as sentences naming the file and the import. */
export function checkPackage(dir) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const declared = new Set([pkg.name, ...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]);
  const dev = new Set(Object.keys(pkg.devDependencies ?? {}));
  const problems = manifestProblems(dir, pkg);
  const files = [...filesUnder(join(dir, 'src'), isSource), ...filesUnder(join(dir, 'dist'), isShipped), ...filesUnder(join(dir, 'bin'), isShipped)];
  for (const f of files) {
    for (const spec of specifiersOf(readFileSync(f, 'utf8'))) {
      const name = packageOf(spec);
      if (name === null || declared.has(name)) continue;
      const why = dev.has(name) ? 'only a devDependency, not installed for users' : 'not declared';
      problems.push(`${relative(dir, f)} imports ${spec}: ${why}`);
    }
  }
  const optional = new Set(Object.entries(pkg.peerDependenciesMeta ?? {}).filter(([, m]) => m?.optional).map(([n]) => n));
  const main = exportTargets(pkg.exports?.['.'] ?? pkg.exports).filter((t) => /\.m?js$/.test(t));
  for (const f of main.flatMap((t) => reachable(join(dir, t)))) {
    for (const spec of specifiersOf(readFileSync(f, 'utf8'))) {
      const name = packageOf(spec);
      if (name && optional.has(name)) problems.push(`${relative(dir, f)} (main entry) imports the optional peer ${name}`);
    }
  }
  return problems.map((p) => `${pkg.name}: ${p}`);
}

/** The workspaces of the repository at `root`. */
export function workspaces(root) {
  return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).workspaces.map((w) => join(root, w));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const problems = workspaces(root).flatMap(checkPackage);
  for (const p of problems) console.error(p);
  if (problems.length) process.exit(1);
  console.log(`${workspaces(root).length} packages declare what they import, and carry LICENSE, README, repository and engines`);
}
