import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSettings } from '../../src/warehouse/clickhouse/clickhouse-features.js';
import { openClickHouseWarehouse, type ClickHouseWarehouse } from '../../src/warehouse/clickhouse/clickhouse-warehouse.js';
import { chdbWarehouse, loadChdb } from '../support/chdb.js';
import { clickhouseSkipReason, freeServerPorts, startClickHouseServer, type ClickHouseTestServer } from '../support/clickhouse-server.js';
import { describeReadOnlyConformance } from './read-only-conformance.js';

/** A file ClickHouse's own `file()` can reach (its user_files directory), holding a secret. */
async function userFile(server: ClickHouseTestServer): Promise<{ path: string; secret: string }> {
  const dir = join(server.dir, 'data', 'user_files');
  await mkdir(dir, { recursive: true });
  const secret = `USER-FILE-${randomUUID()}`;
  await writeFile(join(dir, 'secret.txt'), `${secret}\n`);
  return { path: join(dir, 'secret.txt'), secret };
}

describe.skipIf(clickhouseSkipReason() !== null)('clickhouse (Debian 18.16 server)', () => {
  describeReadOnlyConformance('clickhouse', async () => {
    const ports = await freeServerPorts();
    const server = await startClickHouseServer({ ports, clusters: { self: [ports.tcp] } });
    const { path, secret } = await userFile(server);
    const warehouse = await openClickHouseWarehouse({ url: server.url, database: 'touchline_readonly' });
    return {
      warehouse,
      dialect: 'clickhouse',
      ownFiles: [path, 'secret.txt'],
      ownMarkers: [secret],
      httpPort: ports.http,
      tcpPort: ports.tcp,
      async dispose() {
        await warehouse.close();
        await server.dispose();
      },
    };
  });

  describe("the server's own read-only mode, under Touchline's read settings", () => {
    let server: ClickHouseTestServer;
    let w: ClickHouseWarehouse;
    let secret: string;
    const raw = async (query: string, settings: Record<string, string>) => {
      const res = await fetch(`${server.url}/?${new URLSearchParams({ ...settings, database: 'touchline_ro_server' })}`, { method: 'POST', body: query });
      return { ok: res.ok, text: await res.text() };
    };
    beforeAll(async () => {
      server = await startClickHouseServer();
      ({ secret } = await userFile(server));
      w = await openClickHouseWarehouse({ url: server.url, database: 'touchline_ro_server' });
      await w.migrate();
    });
    afterAll(async () => {
      await w?.close();
      await server?.dispose();
    });

    it('refuses table functions and settings itself, where readonly=2 (the old read setting) read the file', async () => {
      const read = "SELECT * FROM file('secret.txt', 'TSV', 'l String')";
      const now = await raw(read, readSettings(w.features));
      expect(now).toMatchObject({ ok: false, text: expect.stringMatching(/Code: 164.*(Table functions are forbidden in readonly mode|Cannot execute query in readonly mode)/) });
      expect(now.text).not.toContain(secret);
      // The control: the file is there and readable, which is what readonly=2 allowed.
      expect(await raw(read, { ...readSettings(w.features), readonly: '2' })).toEqual({ ok: true, text: `${secret}\n` });
      expect((await raw('SELECT 1 SETTINGS readonly = 0', readSettings(w.features))).text).toMatch(/Code: 164/);
    });

    it('lets KILL QUERY through readonly=1, which is why Touchline refuses it before it is sent', async () => {
      expect((await raw('KILL QUERY WHERE 1', readSettings(w.features))).ok).toBe(true);
      await expect(w.query('KILL QUERY WHERE 1')).rejects.toThrow(/KILL is not one/);
    });

    it('limits rows with a server setting, running the SQL as written, and surfaces a failure instead of retrying without the limit', async () => {
      expect((await w.query('SELECT number FROM system.numbers LIMIT 1000000', { maxRows: 3 })).rows).toEqual([[0], [1], [2]]);
      // Wrapped in SELECT * FROM (…) LIMIT n, 18.16 would have answered one column here.
      const twice = await w.query('SELECT number, number FROM system.numbers LIMIT 10', { maxRows: 2 });
      expect(twice).toEqual({ columns: ['number', 'number'], rows: [[0, 0], [1, 1]] });
      expect((await w.query('SHOW TABLES', { maxRows: 1 })).rows).toHaveLength(1);
      await expect(w.query('SELECT 1 AS a, 2 AS a', { maxRows: 1 })).rejects.toThrow(/same alias/);
    });
  });
});

const chdb = await loadChdb();
describe.skipIf(chdb === null)('clickhouse, current release (chDB)', () => {
  describeReadOnlyConformance('clickhouse (current release, chDB)', async (dataDir) => {
    const fx = await chdbWarehouse(chdb!, 'touchline_readonly');
    // chDB reads files anywhere its process can: a secret of its own, by absolute path.
    const secret = `CHDB-FILE-${randomUUID()}`;
    const path = join(dataDir, 'chdb-secret.txt');
    await writeFile(path, `${secret}\n`);
    return { ...fx, dialect: 'clickhouse', ownFiles: [path], ownMarkers: [secret] };
  });
});
