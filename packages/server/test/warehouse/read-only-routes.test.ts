/**
 * The read-only guarantees where analysts reach them: the HTTP `/admin/sql` route of a running
 * Touchline, and `touchline sql` without a server (the CLI opens the warehouse read-only itself).
 * Both refuse the attacks with the reason, write nothing, show no file, change nothing, and the
 * collector keeps accepting and loading.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, assertBuilt } from '../support/process.js';
import { startHarness, type Harness } from '../support/harness.js';

/** Attacks aimed at a data dir's own files, the host, the warehouse and the settings. */
function attacksOn(dataDir: string, canary: string): string[] {
  const secrets = join(dataDir, 'secrets.json');
  const db = join(dataDir, 'warehouse.duckdb');
  return [
    'DELETE FROM sources',
    'explain analyze delete from sources',
    "EXPLAIN ANALYZE INSERT INTO events (message_id, source_id) VALUES ('forged', 'src')",
    `explain analyze copy (select 42) to '${canary}'`,
    `COPY sources TO '${canary}'`,
    'EXPLAIN ANALYZE SET enable_external_access = true',
    "SET memory_limit = '1GB'",
    `ATTACH '${canary}' AS pwned`,
    'INSTALL httpfs',
    'LOAD httpfs',
    'PRAGMA version',
    'CALL pragma_version()',
    `EXPORT DATABASE '${canary}'`,
    `SELECT * FROM read_text('${secrets}')`,
    `SELECT * FROM read_text('/etc/passwd')`,
    `SELECT * FROM read_csv('${secrets}')`,
    `SELECT * FROM glob('${dataDir}/*')`,
    `SELECT * FROM read_blob('${db}')`,
    `SELECT content FROM read_text('${join(dataDir, 'spool')}/*')`,
    `SELECT * FROM '${secrets}'`,
    `WITH s AS (SELECT * FROM read_blob('${db}')) SELECT * FROM s`,
    "SELECT * FROM query('SELECT * FROM read_text(''/etc/passwd'')')",
    'SELECT 1; DELETE FROM sources',
    '/* read */ DeLeTe FrOm sources -- gone',
  ];
}

describe('POST /admin/sql', () => {
  let h: Harness;
  let canary: string;
  let secrets: string;
  const sql = (query: string) =>
    h.adminApp.inject({ method: 'POST', url: '/admin/sql', headers: { authorization: `Bearer ${h.adminToken}` }, payload: { sql: query } });

  beforeAll(async () => {
    h = await startHarness({ writeKey: 'wk-admin-sql-readonly-01' });
    canary = join(h.dataDir, 'canary-out');
    secrets = readFileSync(join(h.dataDir, 'secrets.json'), 'utf8');
    const r = await h.app.inject({ method: 'POST', url: '/v1/track', headers: { authorization: h.auth }, payload: { anonymousId: 'a-1', event: 'Before', messageId: 'before-1' } });
    expect(r.statusCode).toBe(200);
    await h.loader.flush();
  });
  afterAll(async () => {
    await h?.dispose();
  });

  it('refuses each attack with 400 and the reason, and shows no secret', async () => {
    const files = (await readdir(h.dataDir, { recursive: true })).sort();
    const before = (await sql('SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM sources), (SELECT string_agg(write_key, \',\' ORDER BY id) FROM sources)')).json();
    for (const query of attacksOn(h.dataDir, canary)) {
      const r = await sql(query);
      expect(r.statusCode, query).toBe(400);
      expect(r.json(), query).toMatchObject({ success: false, error: 'query_refused' });
      expect(r.json().message, query).toMatch(/not (a read|one|available)|one statement|looks like a file/);
      expect(r.body, query).not.toContain(h.adminToken);
      expect(r.body, query).not.toContain('root:x:0');
      expect(r.body, query).not.toContain(secrets.slice(0, 40));
    }
    expect(existsSync(canary)).toBe(false);
    expect((await readdir(h.dataDir, { recursive: true })).sort()).toEqual(files);
    expect((await sql('SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM sources), (SELECT string_agg(write_key, \',\' ORDER BY id) FROM sources)')).json()).toEqual(before);
  });

  it('still answers reads, and the collector still accepts and loads', async () => {
    const r = await h.app.inject({ method: 'POST', url: '/v1/track', headers: { authorization: h.auth }, payload: { anonymousId: 'a-2', event: 'After', messageId: 'after-1' } });
    expect(r.statusCode).toBe(200);
    expect(await h.sql(`SELECT event FROM events ORDER BY event`)).toEqual([{ event: 'After' }, { event: 'Before' }]);
    const explain = await sql('EXPLAIN ANALYZE SELECT count(*) FROM events');
    expect(explain.statusCode).toBe(200);
  });
});

describe('touchline sql without a running server', () => {
  let dir: string;
  const env = { TOUCHLINE_WRITE_KEY: 'cli-readonly-write-key', TOUCHLINE_ADMIN_TOKEN: 'cli-readonly-admin-token-0123456789' };
  const cli = (args: string[]) => {
    const r = spawnSync(process.execPath, [BIN, ...args, '--data-dir', join(dir, 'data')], { env: { ...process.env, ...env }, encoding: 'utf8', cwd: dir });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  beforeAll(async () => {
    assertBuilt();
    dir = await mkdtemp(join(tmpdir(), 'touchline-cli-readonly-'));
    const events = join(dir, 'events.ndjson');
    await writeFile(events, `${JSON.stringify({ type: 'track', userId: 'u1', event: 'Imported', messageId: 'imp-1' })}\n`);
    expect(cli(['import', events]).code).toBe(0);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('opens the warehouse read-only with the same refusals, and nothing changes', () => {
    const data = join(dir, 'data');
    const canary = join(dir, 'canary-out');
    const secrets = readFileSync(join(data, 'secrets.json'), 'utf8');
    const before = cli(['sql', 'select count(*) as n, (select count(*) from sources) as s from events', '--format', 'json']);
    expect(before.code).toBe(0);
    // A process per query: a sample of each kind (writes through EXPLAIN ANALYZE, a file
    // written, a setting, the data dir's secrets, the database file, two statements).
    for (const query of attacksOn(data, canary).filter((_, i) => [1, 3, 6, 13, 17, 22].includes(i))) {
      const r = cli(['sql', query]);
      expect(r.code, query).toBe(1);
      expect(r.err, query).toMatch(/not (a read|one|available)|one statement|looks like a file/);
      expect(r.out + r.err, query).not.toContain('root:x:0');
      expect(r.out + r.err, query).not.toContain(secrets.slice(0, 40));
    }
    expect(existsSync(canary)).toBe(false);
    expect(cli(['sql', 'select count(*) as n, (select count(*) from sources) as s from events', '--format', 'json']).out).toBe(before.out);
  }, 180_000);
});
