/**
 * What `touchline import` tells about the rows it could not take: each by its line in the file
 * (NDJSON and CSV, blank lines and a quoted multi-line value counted), CSV rows with more values
 * than columns and e-mail columns without an address refused (and still kept in failed_events),
 * an exit code a script can trust, and the conversion columns in `import --conversions --help`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig, type Config } from '../../src/config/config.js';
import { importFile } from '../../src/cli/commands/import.js';
import { csvRowProblem } from '../../src/cli/commands/import-rows.js';
import { startTouchline } from '../../src/server.js';
import { BIN, assertBuilt } from '../support/process.js';

let dir: string;
let config: Config;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'touchline-import-checks-'));
  config = resolveConfig({ dataDir: join(dir, 'data') }, {}, {});
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function failedRaw(): Promise<string[]> {
  const t = await startTouchline(config, { listen: false, log: () => undefined });
  try {
    await t.loader.flush();
    return (await t.warehouse.query('select raw from failed_events order by raw')).rows.map((r) => String(r[0]));
  } finally {
    await t.close();
  }
}

const track = (id: string, extra: Record<string, unknown> = {}) => JSON.stringify({ type: 'track', userId: 'u', event: 'E', messageId: id, ...extra });

describe('bad rows by line', () => {
  it('NDJSON: blank lines count, and rows out of time order keep their own line', async () => {
    const file = join(dir, 'events.ndjson');
    // Line 4 is not JSON, line 6 has no event name; line 5 is older than line 2 (sorted before it).
    await writeFile(file, [track('n-1', { timestamp: '2025-03-02T00:00:00Z' }), '', track('n-2', { timestamp: '2025-03-03T00:00:00Z' }), '{"type": "track",', track('n-3', { timestamp: '2025-03-01T00:00:00Z' }), JSON.stringify({ type: 'track', userId: 'u', messageId: 'n-4' }), ''].join('\n'));
    const s = await importFile(config, file, { progress: false });
    expect(s).toMatchObject({ lines: 5, accepted: 3, quarantined: 2 });
    expect(s.badRows).toEqual([
      { line: 4, reason: 'an event must be a JSON object (got string)' },
      { line: 6, reason: '`event` is required on track calls' },
    ]);
  });

  it('CSV: a row with more values than columns and an e-mail column without an address are refused, by line, and kept', async () => {
    const file = join(dir, 'people.csv');
    await writeFile(file, [
      'type,userId,event,messageId,traits.email',
      'track,u1,Signed Up,c-1,jane@example.com',
      'track,u2,Signed Up,c-2,jane@example.com,extra,values',
      'track,u3,"Signed',
      'Up",c-3,',
      'track,u4,Signed Up,c-4,not-an-address',
      'track,u5,Signed Up,c-5,',
      'track,u6,Signed Up,c-6,jane@example.com,,',
    ].join('\n') + '\n');
    const s = await importFile(config, file, { progress: false });
    // c-1, c-3 (a value over two lines), c-5 (no address is not a wrong one), c-6 (trailing empty values).
    expect(s).toMatchObject({ lines: 6, accepted: 4, quarantined: 2 });
    expect(s.badRows).toEqual([
      { line: 3, reason: '7 values for 5 columns: a value holds an unquoted comma, or a column is missing from the header' },
      { line: 6, reason: 'column "traits.email" does not hold an e-mail address' },
    ]);
    const raw = await failedRaw();
    // Each refused row as it stands in the file, redacted as every failed event is (failed_events
    // keeps text as a JSON string): the address is gone, the rest is the line.
    expect(raw).toEqual(expect.arrayContaining(['track,u2,Signed Up,c-2,[email],extra,values', 'track,u4,Signed Up,c-4,not-an-address'].map((l) => JSON.stringify(l))));
    expect(raw.join('\n')).not.toContain('jane@example.com');
  });

  it('checks e-mail columns by name, whatever their nesting or spelling', () => {
    const header = ['email', 'context.traits.email', 'contact_email', 'E-Mail', 'emailed_at', 'mail_count'];
    expect(csvRowProblem(header, ['a@b.co', 'a@b.co', 'a@b.co', 'a@b.co', 'yesterday', '3'])).toBeUndefined();
    for (const [i, bad] of [[0, 'a@b'], [1, 'jane example.com'], [2, '@b.co'], [3, 'a@@b.co']] as const) {
      const values = ['a@b.co', 'a@b.co', 'a@b.co', 'a@b.co', '', ''];
      values[i] = bad;
      expect(csvRowProblem(header, values), bad).toBe(`column "${header[i]}" does not hold an e-mail address`);
    }
  });
});

describe('the CLI', () => {
  const cli = (args: string[]) => {
    assertBuilt();
    const r = spawnSync(process.execPath, [BIN, ...args, '--data-dir', join(dir, 'cli-data'), '--no-progress'], { encoding: 'utf8', cwd: dir, timeout: 60_000 });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  it('exits 1 when rows were quarantined, naming each line; 0 with --allow-rejects', async () => {
    const file = join(dir, 'mixed.ndjson');
    await writeFile(file, [track('m-1'), JSON.stringify({ type: 'track', userId: 'u', messageId: 'm-2' })].join('\n') + '\n');
    const r = cli(['import', file]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('line 2: `event` is required on track calls');
    expect(r.out).toMatch(/exit 1: 1 row\(s\) quarantined \(--allow-rejects/);
    const allowed = cli(['import', file, '--allow-rejects']);
    expect(allowed.code).toBe(0);
    expect(allowed.out).toContain('line 2: `event` is required on track calls');
  });

  it('import --conversions --help lists the columns a conversion is read from', () => {
    const r = cli(['import', '--conversions', '--help']);
    expect(r.code).toBe(0);
    for (const column of ['user_id', 'email_address', 'opportunity_id', 'close_date', 'deal_value', 'currency_code']) expect(r.out).toContain(column);
    expect(cli(['import', '--help']).out).toContain('import --conversions --help');
  });
});
