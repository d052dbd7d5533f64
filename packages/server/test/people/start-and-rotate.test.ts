/**
 * What a start puts on the record (the config file's policy section, changed since the last start,
 * with before and after), a policy section the policy cannot use (refused naming the key), and
 * rotating the admin token (the old one stops at once, the new one is kept in the data dir).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig, type ConfigInput } from '../../src/config/config.js';
import { startTouchline, type Touchline } from '../../src/server.js';

let dir: string;
const config = (extra: ConfigInput) => resolveConfig({ dataDir: dir, port: 0, admin: { port: 0 }, ...extra } as Record<string, unknown>, {}, {});
const start = (extra: ConfigInput = {}) => startTouchline(config(extra), { listen: false, log: () => undefined });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'touchline-start-audit-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('the config file\'s policy section', () => {
  it('is audited at start when it changed since the last start, key by key', async () => {
    let t: Touchline = await start({ policy: { tenure: { probationDays: 14 } } });
    await t.close();
    t = await start({ policy: { tenure: { probationDays: 7 }, audit: { retentionDays: 730 } } });
    const changes = t.people.audit.query({ action: 'policy.config-changed' });
    expect(changes).toHaveLength(2);
    expect(changes[0]).toMatchObject({
      actor: { type: 'system' },
      before: { 'tenure.probationDays': 14, 'audit.retentionDays': null },
      after: { 'tenure.probationDays': 7, 'audit.retentionDays': 730 },
    });
    expect(t.people.policy().tenure.probationDays).toBe(7);
    await t.close();
    // The same section again: nothing new on the record.
    t = await start({ policy: { tenure: { probationDays: 7 }, audit: { retentionDays: 730 } } });
    expect(t.people.audit.query({ action: 'policy.config-changed' })).toHaveLength(2);
    await t.close();
  });

  it('refuses values the policy cannot use, naming the key', () => {
    expect(() => config({ policy: { tenure: { probationDays: -1 } } } as ConfigInput)).toThrow(/policy\.tenure\.probationDays/);
    expect(() => config({ policy: { roles: { viewer: { allow: ['sql.drop'] } } } } as unknown as ConfigInput)).toThrow(/policy\.roles\.viewer\.allow/);
    expect(() => config({ policy: { audit: { retentionDays: 1 } } })).toThrow(/policy\.audit\.retentionDays/);
  });

  it('keeps owner powers with owners', async () => {
    await expect(start({ policy: { roles: { admin: { allow: ['policy.set'] } } } })).rejects.toThrow(/policy\.roles\.admin\.allow: "policy.set" stays with owners/);
    await expect(start({ policy: { roles: { owner: { deny: ['members.add'] } } } })).rejects.toThrow(/owners keep "members.add"/);
  });
});

describe('touchline admin-token rotate', () => {
  it('stops the old token at once and keeps the new one in the data dir', async () => {
    const t = await start();
    const old = t.adminToken;
    const call = (token: string, url = '/admin/status', method: 'GET' | 'POST' = 'GET') =>
      t.adminApp.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(method === 'POST' ? { payload: {} } : {}) });
    const res = await call(old, '/admin/admin-token/rotate', 'POST');
    expect(res.statusCode).toBe(200);
    const next = res.json().adminToken as string;
    expect(next).not.toBe(old);
    expect((await call(old)).statusCode).toBe(401);
    expect((await call(next)).statusCode).toBe(200);
    expect(JSON.parse(await readFile(join(dir, 'secrets.json'), 'utf8')).adminToken).toBe(next);
    // The record names the rotation, not the token.
    const [rec] = t.people.audit.query({ action: 'admin-token.rotate' });
    expect(rec).toMatchObject({ outcome: 'allowed', actor: { type: 'bootstrap' } });
    expect(JSON.stringify(rec)).not.toContain(next);
    // Disabling needs an owner with a live token first.
    expect((await call(next, '/admin/admin-token/disable', 'POST')).statusCode).toBe(409);
    await t.close();
    const again = await start();
    expect(again.adminToken).toBe(next);
    await again.close();
  });
});
