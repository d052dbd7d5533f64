/**
 * Plan files: one file or a folder, and every way one can be wrong, each refused with a message
 * naming the file, the event and what to fix. Then SIGHUP on a real `touchline start`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compilePlan } from '../../src/plans/compile-plan.js';
import { loadPlan, planFromData } from '../../src/plans/load-plan.js';
import { followsNaming } from '../../src/plans/naming.js';
import { freePort, startServerProcess, waitForExit } from '../support/process.js';
import { shopPlanYaml, writePlan } from './plan-fixture.js';

const dirs: string[] = [];
const tmp = async () => {
  const d = await mkdtemp(join(tmpdir(), 'touchline-planfile-'));
  dirs.push(d);
  return d;
};
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const modes = { mode: 'allow', unplannedEvents: 'allow', unplannedProperties: 'allow' } as const;

describe('plan files', () => {
  it('reads a folder: one file holds the version, the events of all are merged', async () => {
    const d = await tmp();
    await writeFile(join(d, '00-plan.yaml'), 'version: "7"\nname: shop\nnaming: { events: Title Case }\n');
    await writeFile(join(d, 'checkout.yaml'), 'events:\n  Order Completed: { properties: { required: [order_id], properties: { order_id: {} } } }\n');
    await writeFile(join(d, 'signup.json'), JSON.stringify({ events: { 'Signed Up': {} } }));
    await writeFile(join(d, 'README.md'), 'not a plan');
    const p = await loadPlan(d);
    expect(p.version).toBe('7');
    expect(Object.keys(p.document.events).sort()).toEqual(['Order Completed', 'Signed Up']);
  });

  it('refuses an event defined twice, two versions, or no version in a folder', async () => {
    const d = await tmp();
    await writeFile(join(d, 'a.yaml'), 'version: "1"\nevents:\n  Order Completed: {}\n');
    await writeFile(join(d, 'b.yaml'), 'events:\n  Order Completed: {}\n');
    await expect(loadPlan(d)).rejects.toThrow(/b\.yaml: event "Order Completed" is also defined in .*a\.yaml/);
    await writeFile(join(d, 'b.yaml'), 'version: "2"\n');
    await expect(loadPlan(d)).rejects.toThrow(/`version` is also set in another file/);
    const e = await tmp();
    await writeFile(join(e, 'a.yaml'), 'events: {}\n');
    await expect(loadPlan(e)).rejects.toThrow(/no file sets `version`/);
  });

  it('names what is wrong: unreadable path, bad YAML, unknown keys, a bad schema, a required name not in the schema, its own naming broken', async () => {
    await expect(loadPlan(await writePlan('version: "1"\nevents:\n  Order Completed: { properties: { required: [order_idd], properties: { order_id: {} } } }\n'))).rejects.toThrow(
      /required property "order_idd" is not defined/,
    );
    await expect(loadPlan('/nonexistent/plan.yaml')).rejects.toThrow(/^plans\.path: cannot read \/nonexistent\/plan\.yaml \(ENOENT\)/);
    await expect(loadPlan(await writePlan('version: [1\n'))).rejects.toThrow(/plan\.yaml: not valid YAML/);
    await expect(loadPlan(await writePlan('version: "1"\nevnts: {}\n'))).rejects.toThrow(/not a tracking plan:\n {2}\(root\): Unrecognized key: "evnts"/);
    await expect(loadPlan(await writePlan('version: "1"\nevents:\n  Order Completed: { properties: { minimun: 1 } }\n'))).rejects.toThrow(
      /events\["Order Completed"\]\.properties: not a usable JSON Schema \(strict mode: unknown keyword: "minimun"\)/,
    );
    await expect(loadPlan(await writePlan('version: "1"\nnaming: { properties: snake_case }\nevents:\n  Order Completed: { properties: { properties: { orderId: {} } } }\n'))).rejects.toThrow(
      /properties\.orderId: the name does not follow naming\.properties \(snake_case\)/,
    );
  });

  it('does not expand a YAML alias bomb', async () => {
    const bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nversion: "1"\n';
    await expect(loadPlan(await writePlan(bomb))).rejects.toThrow(/not valid YAML .*alias/i);
  });

  it('judges hostile names as data: a prototype key, a pointer-breaking key, an event named like SQL', () => {
    const p = compilePlan(planFromData({ version: '1', events: { "x'; DROP TABLE events; --": { properties: { properties: { ok: {} } } } } }, 't'));
    const v = p.judge({ type: 'track', event: "x'; DROP TABLE events; --", properties: JSON.parse('{"__proto__": {"polluted": 1}, "ok": 1, "a/b": 2}') }, modes);
    expect(v?.violations.map((x) => x.path)).toEqual(['/properties/__proto__', '/properties/a~1b']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(p.judge({ type: 'track', event: 'constructor' }, modes)?.violations[0]?.kind).toBe('unplanned_event');
  });

  it('spells the naming rules as documented', () => {
    expect(['Order Completed', 'Signed Up', 'Step 2 Done'].every((n) => followsNaming(n, 'Object Action'))).toBe(true);
    expect(['Purchase', 'order completed', 'Order  Completed', 'Order_Completed'].some((n) => followsNaming(n, 'Object Action'))).toBe(false);
    expect(followsNaming('Purchase', 'Title Case')).toBe(true);
    expect(followsNaming('order_id', 'snake_case') && !followsNaming('orderId', 'snake_case') && !followsNaming('order__id', 'snake_case')).toBe(true);
    expect(followsNaming('orderId', 'camelCase') && !followsNaming('OrderId', 'camelCase')).toBe(true);
  });
});

describe('SIGHUP on a running server', () => {
  it('reads the plan file again; a broken file keeps the plan in force', async () => {
    const d = await tmp();
    const planFile = await writePlan(shopPlanYaml('1.0.0'), d);
    const server = await startServerProcess(join(d, 'data'), await freePort(), { TOUCHLINE_PLANS_PATH: planFile });
    try {
      const said = async (pattern: RegExp) => {
        for (let i = 0; i < 100 && !pattern.test(server.output()); i++) await new Promise((r) => setTimeout(r, 50));
        return server.output();
      };
      await writeFile(planFile, shopPlanYaml('2.0.0'));
      server.proc.kill('SIGHUP');
      expect(await said(/SIGHUP: tracking plan 2\.0\.0/)).toMatch(/SIGHUP: tracking plan 2\.0\.0 in force \(was 1\.0\.0\)/);
      await writeFile(planFile, 'version: [');
      server.proc.kill('SIGHUP');
      expect(await said(/did not reload/)).toMatch(/SIGHUP: the tracking plan did not reload, the one in force stays: .*not valid YAML/);
    } finally {
      server.proc.kill('SIGTERM');
      await waitForExit(server.proc);
    }
  });
});
