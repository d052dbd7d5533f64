import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const entry = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** Bundles an entry for the browser: esbuild refuses any `node:` import it meets on the way. */
const browserBundle = (path: string) =>
  build({ entryPoints: [entry(path)], bundle: true, write: false, platform: 'browser', format: 'esm', conditions: ['touchline-source'], logLevel: 'silent' });

describe('@touchline/attribution stays pure at its root; Node lives under /node', () => {
  it('the root export bundles for a browser, with nothing from Node', async () => {
    const r = await browserBundle('../src/index.ts');
    expect(r.errors).toEqual([]);
    const code = r.outputFiles[0]?.text ?? '';
    expect(code).toContain('createAttribution');
    expect(code).not.toMatch(/createReadStream|node:readline/);
  });

  it('the /node entry is the one that needs Node (so the check above can fail)', async () => {
    await expect(browserBundle('../src/node/index.ts')).rejects.toThrow(/node:fs|node:readline/);
  });

  it('both entries resolve through the package exports', async () => {
    const root = await import('@touchline/attribution');
    const node = await import('@touchline/attribution/node');
    expect(typeof root.createAttribution).toBe('function');
    expect('attributePathsFile' in root).toBe(false);
    expect(typeof node.attributePathsFile).toBe('function');
  });
});
