/**
 * On DuckDB there is one collector, but it publishes its suppression list all the same (so a
 * later move to ClickHouse keeps it), and its analyst SQL path cannot read the table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryRefusedError } from '../../src/warehouse/warehouse.js';
import { startHarness, type Harness } from '../support/harness.js';
import { manualClock } from '../support/manual-clock.js';

const TOKEN = 'shared-suppressions-admin-token-0123';

describe('the suppression list published on DuckDB', () => {
  let h: Harness;
  const clock = manualClock(Date.now());
  beforeAll(async () => {
    h = await startHarness({ adminToken: TOKEN, privacy: { suppressionPollMs: 1_000 } }, { clock });
  });
  afterAll(async () => h?.dispose());
  const published = async () => (await h.warehouse.query(`SELECT hash, removed FROM privacy_suppressions ORDER BY at_ms, removed`, { readOnly: false })).rows;

  it('writes each suppression, then its lifting, to privacy_suppressions', async () => {
    const admin = (method: 'POST' | 'DELETE', url: string, payload?: object) =>
      h.adminApp.inject({ method, url, headers: { authorization: `Bearer ${TOKEN}` }, ...(payload ? { payload } : {}) });
    const del = await admin('POST', '/admin/privacy/delete', { kind: 'email', value: 'Ada@Example.com' });
    expect(del.statusCode).toBe(200);
    clock.advance(1_000);
    await h.sharedSuppressions.idle();
    const added = await published();
    expect(added.length).toBe(h.suppressions.localHashes().size);
    expect(added.map(([hash]) => hash).sort()).toEqual([...h.suppressions.localHashes()].sort());
    expect(added.every(([, removed]) => removed === false)).toBe(true);
    expect(JSON.stringify(added)).not.toMatch(/ada|example/i);

    expect((await admin('DELETE', `/admin/privacy/suppressions/${(del.json() as { id: string }).id}`)).statusCode).toBe(200);
    clock.advance(1_000);
    await h.sharedSuppressions.idle();
    const after = await published();
    expect(after.filter(([, removed]) => removed === true).map(([hash]) => hash).sort()).toEqual(added.map(([hash]) => hash).sort());
    // Nothing active is left for this collector to take back into its list.
    expect(h.suppressions.size).toBe(0);
  });

  it('the analyst SQL path cannot read it', async () => {
    for (const sql of [
      'SELECT * FROM privacy_suppressions',
      'SELECT * FROM main."PRIVACY_SUPPRESSIONS"',
      'SUMMARIZE privacy_suppressions',
      `SELECT * FROM pragma_storage_info('privacy_suppressions')`,
      `SELECT * FROM pragma_storage_info('privacy_' || 'suppressions')`,
      'DESCRIBE privacy_suppressions',
    ]) {
      await expect(h.warehouse.query(sql), sql).rejects.toBeInstanceOf(QueryRefusedError);
    }
  });
});
