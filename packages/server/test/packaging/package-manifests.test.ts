import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkPackage, specifiersOf, workspaces } from '../../../../scripts/check-packages.mjs';

const ROOT = new URL('../../../../', import.meta.url).pathname;

/**
 * `scripts/check-packages.mjs` on the real workspaces (after the build: it reads dist too), and on
 * small broken packages, so that a check that passes is a check that could have failed.
 */
describe('every workspace declares what it imports and ships its licence', () => {
  it('finds no problem in the seven packages', () => {
    const dirs = workspaces(ROOT);
    expect(dirs).toHaveLength(7);
    expect(dirs.flatMap(checkPackage)).toEqual([]);
  });
});

describe('the check catches what npm would not install', () => {
  const base = mkdtempSync(join(tmpdir(), 'touchline-manifest-'));
  afterAll(() => rmSync(base, { recursive: true, force: true }));
  let n = 0;

  /** A package with a complete manifest, then `files` and `manifest` changes on top. */
  function fixture(files: Record<string, string>, manifest: Record<string, unknown> = {}, omit: string[] = []): string {
    const dir = join(base, `p${n++}`);
    const all: Record<string, string> = {
      LICENSE: 'MIT License',
      'README.md': '# p',
      'dist/index.js': "export const x = 1;\n",
      ...files,
    };
    for (const [f, text] of Object.entries(all)) {
      if (omit.includes(f)) continue;
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      writeFileSync(join(dir, f), text);
    }
    const pkg = {
      name: '@fixture/p',
      license: 'MIT',
      repository: { type: 'git', url: 'git+https://example.test/p.git' },
      engines: { node: '>=20.19' },
      exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
      ...manifest,
    };
    writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg));
    if (!omit.includes('dist/index.d.ts') && !('dist/index.d.ts' in files)) writeFileSync(join(dir, 'dist/index.d.ts'), 'export declare const x = 1;\n');
    return dir;
  }

  it('names an undeclared import in a source file, whatever the import form', () => {
    const dir = fixture({
      'src/a.ts': "import { z } from 'zod';\nexport * from \"@scope/lib/sub\";\nconst m = await import('left-pad');\nimport 'side-effect';\n",
    });
    expect(checkPackage(dir)).toEqual([
      '@fixture/p: src/a.ts imports zod: not declared',
      '@fixture/p: src/a.ts imports @scope/lib/sub: not declared',
      '@fixture/p: src/a.ts imports left-pad: not declared',
      '@fixture/p: src/a.ts imports side-effect: not declared',
    ]);
  });

  it('refuses a devDependency that the shipped type declarations re-export', () => {
    const dir = fixture(
      { 'dist/index.d.ts': "export type { Touch } from '@touchline/protocol';\n" },
      { devDependencies: { '@touchline/protocol': '0.1.0' } },
    );
    expect(checkPackage(dir)).toEqual(['@fixture/p: dist/index.d.ts imports @touchline/protocol: only a devDependency, not installed for users']);
  });

  it('refuses an optional peer dependency reached from the main entry through relative imports', () => {
    const dir = fixture(
      { 'dist/index.js': "export * from './helpers/run.js';\n", 'dist/helpers/run.js': "import { it } from 'vitest';\nexport { it };\n" },
      { peerDependencies: { vitest: '^4.1.0' }, peerDependenciesMeta: { vitest: { optional: true } } },
    );
    expect(checkPackage(dir)).toEqual(['@fixture/p: dist/helpers/run.js (main entry) imports the optional peer vitest']);
  });

  it('allows an optional peer behind its own subpath, builtins, the package itself and module names in comments', () => {
    const dir = fixture(
      {
        'dist/conformance.js': "import { it } from 'vitest';\nexport { it };\n",
        'src/b.ts': "import { readFile } from 'fs';\nimport { x } from '@fixture/p';\n/* import { y } from 'not-a-dep'; */\n// from 'also-not'\nexport { readFile, x };\n",
      },
      {
        exports: { '.': './dist/index.js', './conformance': './dist/conformance.js' },
        peerDependencies: { vitest: '^4.1.0' },
        peerDependenciesMeta: { vitest: { optional: true } },
      },
    );
    expect(checkPackage(dir)).toEqual([]);
  });

  it('names a missing LICENSE, README, repository, engines, licence and export target', () => {
    const dir = fixture({}, { license: 'ISC', repository: undefined, engines: undefined, exports: { '.': './dist/gone.js' } }, ['LICENSE', 'README.md']);
    expect(checkPackage(dir)).toEqual([
      '@fixture/p: license is "ISC", not "MIT"',
      '@fixture/p: no LICENSE file',
      '@fixture/p: no README.md',
      '@fixture/p: no "repository" with a url',
      '@fixture/p: no "engines.node"',
      '@fixture/p: exports target ./dist/gone.js is missing (built?)',
    ]);
  });

  it('reads specifiers as a bundler would, not from strings that only look like imports', () => {
    expect(specifiersOf("const s = 'from here'; import a from 'a';")).toEqual(['a']);
    expect(specifiersOf("export { b } from './b.js'")).toEqual(['./b.js']);
    // A minified bundle: UI text ending in "from" before a call's quoted argument.
    expect(specifiersOf('i("p",{children:["taken from ",i("code",{children:"x"})]}); import c from "@scope/c/sub";')).toEqual(['@scope/c/sub']);
    expect(specifiersOf("import x from 'Not A Module'; import y from 'node:fs'; import z from '#internal';")).toEqual(['node:fs', '#internal']);
  });
});
