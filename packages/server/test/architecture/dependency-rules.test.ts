import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

// The layer rules (.dependency-cruiser.cjs) run by `npm test`: a small workspace that keeps them,
// then the same workspace with one violation planted, each time through the real CLI.
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const cli = join(repo, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

/** A workspace in the repository's shape that breaks no rule. */
const CLEAN: Record<string, string> = {
  'packages/protocol/src/index.ts': 'export const version = 1;\n',
  'packages/tracker/src/index.ts': "import { version } from '../../protocol/src/index.js';\nexport const v = version;\n",
  'packages/attribution/src/index.ts': "import { version } from '../../protocol/src/index.js';\nexport const v = version;\n",
  'packages/attribution/src/node/read-file.ts': "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n",
  'packages/server/src/definitions/conversions.ts': 'export const conversions: string[] = [];\n',
  'packages/server/src/identity/model.ts': "import { conversions } from '../definitions/conversions.js';\nexport const model = conversions;\n",
  'packages/server/src/collector/ingest.ts': "import { model } from '../identity/model.js';\nexport const ingest = model;\n",
  'packages/server/src/tracker-endpoint/routes.ts': "import { ingest } from '../collector/ingest.js';\nexport const routes = ingest;\n",
  'packages/server/src/config/config.ts': "import { conversions } from '../definitions/conversions.js';\nexport const config = { conversions };\n",
  'packages/server/src/server.ts': "import { config } from './config/config.js';\nimport { routes } from './tracker-endpoint/routes.js';\nexport const start = [config, routes];\n",
};

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

async function lint(planted: Record<string, string>): Promise<{ code: number; output: string }> {
  dir = mkdtempSync(join(tmpdir(), 'touchline-deps-'));
  cpSync(join(repo, 'tsconfig.base.json'), join(dir, 'tsconfig.base.json'));
  for (const [path, text] of Object.entries({ ...CLEAN, ...planted })) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const args = [cli, 'packages', '--config', join(repo, '.dependency-cruiser.cjs'), '--output-type', 'err'];
  return new Promise((done) => {
    execFile(process.execPath, args, { cwd: dir }, (err, stdout, stderr) => {
      done({ code: err ? Number(err.code ?? 1) : 0, output: stdout + stderr });
    });
  });
}

describe('the dependency rules', () => {
  it('pass a workspace whose arrows point one way', async () => {
    const r = await lint({});
    expect(r.output).toContain('no dependency violations found');
    expect(r.code).toBe(0);
  });

  const plants: ReadonlyArray<readonly [rule: string, what: string, files: Record<string, string>]> = [
    ['core-below-adapters', 'identity reaching the collector', { 'packages/server/src/identity/bad.ts': "import { ingest } from '../collector/ingest.js';\nexport const bad = ingest;\n" }],
    ['config-only-in-apps', 'identity importing the root Config', { 'packages/server/src/identity/bad.ts': "import { config } from '../config/config.js';\nexport const bad = config;\n" }],
    ['apps-on-top', 'a module importing the composition root', { 'packages/server/src/definitions/bad.ts': "import { start } from '../server.js';\nexport const bad = start;\n" }],
    ['collector-below-tracker-endpoint', 'the collector importing the tracker endpoint', { 'packages/server/src/collector/bad.ts': "import { routes } from '../tracker-endpoint/routes.js';\nexport const bad = routes;\n" }],
    ['no-circular', 'two modules importing each other', {
      'packages/server/src/definitions/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
      'packages/server/src/definitions/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
    }],
    ['no-circular-folders', 'two folders importing each other through different modules', {
      'packages/server/src/definitions/rules.ts': "import { model } from '../identity/model.js';\nexport const rules = model;\n",
    }],
    ['attribution-root-runtime-neutral', "a Node built-in in @touchline/attribution's root", { 'packages/attribution/src/bad.ts': "import { readFileSync } from 'node:fs';\nexport const bad = readFileSync;\n" }],
    ['tracker-imports-protocol-only', 'the tracker importing a Node built-in', { 'packages/tracker/src/bad.ts': "import { createHash } from 'node:crypto';\nexport const bad = createHash;\n" }],
    ['nothing-imports-server', 'a package importing the server', { 'packages/attribution/src/bad.ts': "import { model } from '../../server/src/identity/model.js';\nexport const bad = model;\n" }],
  ];
  for (const [rule, what, files] of plants) {
    it(`fail on ${what} (${rule})`, async () => {
      const r = await lint(files);
      expect(r.output).toContain(`error ${rule}:`);
      expect(r.code).toBeGreaterThan(0);
    });
  }
});
