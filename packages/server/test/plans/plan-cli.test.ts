/** The CLI's plan and utm commands that need no server: types, utm build, and what needs one says so. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { shopPlanYaml } from './plan-fixture.js';

let dir: string;
let config: string;
const run = async (...argv: string[]) => {
  const lines: string[] = [];
  await main([...argv, '--config', config, '--data-dir', join(dir, 'data')], (s) => lines.push(s));
  return lines.join('\n');
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'touchline-plan-cli-'));
  await writeFile(join(dir, 'plan.yaml'), shopPlanYaml('4.0.0'));
  config = join(dir, 'touchline.config.json');
  await writeFile(config, JSON.stringify({ plans: { path: join(dir, 'plan.yaml') }, attribution: { utm: { aliases: { utm_source: { facebook: ['fb'] } } } } }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('touchline plan / utm', () => {
  it('plan types writes the module for the configured plan', async () => {
    const out = join(dir, 'tracking-plan.ts');
    expect(await run('plan', 'types', '--out', out)).toBe(`wrote ${out}`);
    const text = await readFile(out, 'utf8');
    expect(text).toContain('export const PLAN_VERSION = "4.0.0";');
    expect(text).toContain('export function orderCompleted(analytics: Analytics');
  });

  it('utm build prints a conforming link and refuses an alias, naming the value to use', async () => {
    expect(await run('utm', 'build', 'https://shop.test/', '--source', 'facebook', '--medium', 'email', '--campaign', 'may')).toBe(
      'https://shop.test/?utm_source=facebook&utm_medium=email&utm_campaign=may',
    );
    await expect(run('utm', 'build', 'https://shop.test/', '--source', 'fb', '--medium', 'email', '--campaign', 'may')).rejects.toThrow(/utm_source "fb": alias \(use "facebook"\)/);
  });

  it('replay and plan reload need the running server, and say so', async () => {
    await expect(run('replay', '--reason', 'x')).rejects.toThrow(/start the server \(touchline start\) first/);
    await expect(run('plan', 'reload')).rejects.toThrow(/no Touchline server runs on this data dir/);
    await expect(run('plan', 'frobnicate')).rejects.toThrow(/^usage: touchline plan check/);
  });
});
