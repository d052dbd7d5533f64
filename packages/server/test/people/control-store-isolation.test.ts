/**
 * The control store (members, token hashes, the audit log) is out of the analyst SQL path's
 * reach on both engines: DuckDB runs with external access off, so no table function, ATTACH or
 * extension opens control.sqlite; ClickHouse runs elsewhere and has no way to the data dir. Every
 * attempt is refused, and nothing of the store shows in an answer or an error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlStorePath } from '../../src/control/control-store.js';
import { clickhouseSkipReason, startClickHouseServer, type ClickHouseTestServer } from '../support/clickhouse-server.js';
import { startHarness, type Harness } from '../support/harness.js';

const CANARY = 'canary-member-7f3a@example.com';

function attacks(path: string): string[] {
  return [
    `SELECT * FROM sqlite_scan('${path}', 'members')`,
    `ATTACH '${path}' AS control (TYPE sqlite)`,
    `ATTACH '${path}' AS control`,
    `SELECT * FROM read_blob('${path}')`,
    `SELECT * FROM read_text('${path}')`,
    `SELECT * FROM read_csv('${path}')`,
    `SELECT * FROM '${path}'`,
    `SELECT * FROM sqlite_attach('${path}')`,
    'INSTALL sqlite',
    'LOAD sqlite',
    `SELECT * FROM file('${path}', 'RawBLOB')`,
    `SELECT * FROM file('${path}', 'TSV', 'line String')`,
    `SELECT * FROM url('file://${path}', 'RawBLOB')`,
    'SELECT * FROM members',
    'SELECT * FROM audit_log',
    'SELECT * FROM tokens',
  ];
}

async function seed(h: Harness): Promise<void> {
  const m = h.people.members.add({ name: 'Canary', email: CANARY, role: 'owner', startDate: '2020-01-01' });
  h.people.tokens.create({ memberId: m.id, name: 'canary', scopes: ['read'], expiresAt: new Date(Date.now() + 86_400_000), createdBy: 'bootstrap' });
}

async function expectRefusedEverywhere(h: Harness): Promise<void> {
  const path = controlStorePath(h.dataDir);
  for (const sql of attacks(path)) {
    // The warehouse's analyst entry point…
    const direct = await h.warehouse.query(sql).then((r) => JSON.stringify(r), (err: Error) => `refused: ${err.message}`);
    expect(direct, sql).toMatch(/^refused: /);
    expect(direct, sql).not.toContain(CANARY);
    // …and the admin listener's /admin/sql, with the most powerful credential there is.
    const res = await h.adminApp.inject({ method: 'POST', url: '/admin/sql', headers: { authorization: `Bearer ${h.adminToken}` }, payload: { sql } });
    expect(res.statusCode, `${sql}: ${res.body}`).toBe(400);
    expect(res.body).not.toContain(CANARY);
  }
  // The store itself is intact and holds the canary: the refusals were not for want of a file.
  expect(h.people.members.get(CANARY).email).toBe(CANARY);
}

describe('the control store, from DuckDB\'s analyst path', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await seed(h);
  });
  afterAll(async () => h?.dispose());

  it('cannot be scanned, attached, read as a blob or loaded through an extension', async () => {
    await expectRefusedEverywhere(h);
  });
});

describe.skipIf(clickhouseSkipReason() !== null)('the control store, from ClickHouse\'s analyst path', () => {
  let server: ClickHouseTestServer;
  let h: Harness;
  beforeAll(async () => {
    server = await startClickHouseServer();
    h = await startHarness({ warehouse: { engine: 'clickhouse', clickhouse: { url: server.url, database: 'touchline_control_iso' } } });
    await seed(h);
  }, 120_000);
  afterAll(async () => {
    await h?.dispose();
    await server?.dispose();
  });

  it('is not a table, and no file() or url() reaches it', async () => {
    await expectRefusedEverywhere(h);
    const tables = await h.warehouse.query("SELECT name FROM system.tables WHERE name IN ('members', 'tokens', 'audit_log', 'grants')");
    expect(tables.rows).toEqual([]);
  });
});
