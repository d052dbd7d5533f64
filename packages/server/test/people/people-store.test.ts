/**
 * The control store on a real SQLite file: tenure edges, grants, token hashing (a leaked
 * control.sqlite gives no usable token), the audit chain's tamper evidence, and its append-only
 * triggers.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { queueOfflineUse, drainOfflineQueue } from '../../src/audit/offline-queue.js';
import { controlStorePath } from '../../src/control/control-store.js';
import { openPeople, type People } from '../../src/people/people.js';
import type { PeopleClock } from '../../src/people/people-clock.js';
import { parseToken } from '../../src/people/tokens.js';
import { scheduleAuditPrune } from '../../src/people/audit-at-start.js';
import { createLog } from '../../src/logging/log.js';
import { manualClock } from '../support/manual-clock.js';
import { SCOPES } from '../../src/policy/actions.js';

let dir: string;
let now: Date;
let people: People;
let ids = 0;
const clock: PeopleClock = { now: () => now, newId: (p) => `${p}_${String(++ids).padStart(16, '0')}` };
const ADMIN_TOKEN = 'bootstrap-token-0123456789abcdef';
const PEPPER = 'pepper-of-this-data-dir-0123456789abcdefghij';
const open = (pepper = PEPPER) => openPeople({ dataDir: dir, pepper, adminToken: () => ADMIN_TOKEN, policyConfig: {}, clock });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'touchline-people-'));
  now = new Date('2026-01-01T09:00:00Z');
  people = open();
});
afterEach(async () => {
  people.close();
  await rm(dir, { recursive: true, force: true });
});

const at = (iso: string) => (now = new Date(iso));
const memberToken = (email: string, role: string, startDate: string, endDate: string | null = null) => {
  const m = people.members.add({ name: email.split('@')[0]!, email, role, startDate, endDate });
  const t = people.tokens.create({ memberId: m.id, name: 'cli', scopes: [...SCOPES], expiresAt: new Date('2027-12-31T00:00:00Z'), createdBy: 'bootstrap' });
  return { m, token: t.token };
};
const actorOf = (token: string) => {
  const r = people.authenticate(token);
  if (r.actor === null) throw new Error(r.why);
  return r.actor;
};

describe('the control store file', () => {
  it('is private to its user, like every data dir file', async () => {
    expect((await stat(controlStorePath(dir))).mode & 0o777).toBe(0o600);
  });
});

describe('tenure edges', () => {
  it('day 29 is probation, day 30 is not; sources need day 90', () => {
    const { token } = memberToken('ada@example.com', 'admin', '2026-01-01');
    at('2026-01-30T23:59:59Z'); // day 29
    // A real send in probation waits for a second member (src/approvals/); a test send is capped.
    expect(people.decide(actorOf(token), 'syncs.run', { send: 'real' })).toMatchObject({ allowed: true, rule: 'tenure.probation-sends', obligations: { approval: 'tenure.probation-sends' } });
    expect(people.decide(actorOf(token), 'syncs.run', { send: 'test' })).toMatchObject({ allowed: true, obligations: { testOnly: true, maxRows: 1000 } });
    expect(people.decide(actorOf(token), 'approvals.decide')).toMatchObject({ allowed: false, rule: 'tenure.min-days' });
    at('2026-01-31T00:00:00Z'); // day 30
    expect(people.decide(actorOf(token), 'syncs.run', { send: 'real' })).toMatchObject({ allowed: true, obligations: {} });
    expect(people.decide(actorOf(token), 'approvals.decide').allowed).toBe(true);
    at('2026-02-01T00:00:00Z'); // day 31
    expect(people.decide(actorOf(token), 'syncs.run', { send: 'real' }).allowed).toBe(true);
    at('2026-03-31T23:59:59Z'); // day 89
    expect(people.decide(actorOf(token), 'sources.create')).toMatchObject({ allowed: false, rule: 'tenure.min-days' });
    at('2026-04-01T00:00:00Z'); // day 90
    expect(people.decide(actorOf(token), 'sources.create').allowed).toBe(true);
  });

  it('the end date is the last day; after it nothing is allowed', () => {
    const { token } = memberToken('bo@example.com', 'analyst', '2025-01-01', '2026-01-10');
    at('2026-01-10T23:59:59Z');
    expect(people.decide(actorOf(token), 'sql.query').allowed).toBe(true);
    at('2026-01-11T00:00:00Z');
    expect(people.decide(actorOf(token), 'sql.query')).toMatchObject({ allowed: false, rule: 'tenure.ended' });
  });

  it('a grant opens its actions for its window only, on the record with its id', () => {
    const { m, token } = memberToken('cy@example.com', 'marketer', '2026-01-01');
    const g = people.grants.add({ memberId: m.id, actions: ['syncs.run'], until: '2026-01-05T00:00:00Z', reason: 'launch week', grantedBy: 'bootstrap' });
    at('2026-01-04T23:59:59Z');
    expect(people.decide(actorOf(token), 'syncs.run', { send: 'real' })).toMatchObject({ allowed: true, rule: `grant.${g.id}`, obligations: {} });
    at('2026-01-05T00:00:00Z');
    expect(people.decide(actorOf(token), 'syncs.run', { send: 'real' }).allowed).toBe(false);
  });

  it('refuses grants of owner powers, in the past, too long, or without a reason', () => {
    const { m } = memberToken('di@example.com', 'admin', '2025-01-01');
    const g = (actions: string[], until: string, reason = 'why') => () => people.grants.add({ memberId: m.id, actions, until, reason, grantedBy: 'bootstrap' });
    expect(g(['members.add'], '2026-01-05')).toThrow(/stays with owners/);
    expect(g(['syncs.run'], '2025-12-31')).toThrow(/until: a date or time in the future/);
    expect(g(['syncs.run'], '2026-12-31')).toThrow(/at most 90 days/);
    expect(g(['syncs.run'], '2026-01-05', '  ')).toThrow(/reason/);
    expect(g(['syncs.run; drop table grants'], '2026-01-05')).toThrow(/is not an action/);
  });
});

describe('members', () => {
  it('keeps the last active owner, and a disabled member\'s tokens stop at once', () => {
    const { m, token } = memberToken('owner@example.com', 'owner', '2025-01-01');
    expect(() => people.members.setRole(m.id, 'admin')).toThrow(/last active owner/);
    expect(() => people.members.disable(m.email)).toThrow(/last active owner/);
    const other = memberToken('viewer@example.com', 'viewer', '2025-01-01');
    people.members.disable(other.m.id);
    expect(people.authenticate(other.token)).toMatchObject({ actor: null, why: expect.stringMatching(/disabled/) });
    expect(people.authenticate(token).actor).not.toBeNull();
  });

  it('refuses hostile fields with the field named, and stores names as given', () => {
    expect(() => people.members.add({ name: 'x', email: 'not-an-email', role: 'viewer' })).toThrow(/^email/);
    expect(() => people.members.add({ name: 'x\u0000y', email: 'x@example.com', role: 'viewer' })).toThrow(/^name/);
    expect(() => people.members.add({ name: 'x', email: 'x@example.com', role: 'root' })).toThrow(/^role/);
    expect(() => people.members.add({ name: 'x', email: 'x@example.com', role: 'viewer', startDate: '2026-02-30' })).toThrow(/^start date/);
    const m = people.members.add({ name: "Robert'); DROP TABLE members;--", email: 'bobby@example.com', role: 'viewer' });
    expect(people.members.get('BOBBY@example.com').name).toBe("Robert'); DROP TABLE members;--");
    expect(() => people.members.add({ name: 'twin', email: 'Bobby@Example.com', role: 'viewer' })).toThrow(/exists already/);
    expect(m.startDate).toBe('2026-01-01');
  });
});

describe('personal tokens', () => {
  it('are stored as an HMAC under the pepper: the file holds neither the secret nor a plain hash of it', async () => {
    const { token } = memberToken('ed@example.com', 'analyst', '2025-01-01');
    const { id, secret } = parseToken(token)!;
    people.close();
    const bytes = await readFile(controlStorePath(dir));
    const wal = await readFile(`${controlStorePath(dir)}-wal`).catch(() => Buffer.alloc(0));
    for (const b of [bytes, wal]) {
      expect(b.includes(secret)).toBe(false);
      expect(b.includes(createHash('sha256').update(secret).digest())).toBe(false);
      expect(b.includes(createHash('sha256').update(secret).digest('hex'))).toBe(false);
    }
    // The row a thief would copy: id and HMAC. Presenting the HMAC as the secret, or the token under another pepper, fails.
    const row = new Database(controlStorePath(dir), { readonly: true }).prepare('SELECT secret_hmac FROM tokens WHERE id = ?').get(id) as { secret_hmac: Buffer };
    people = open();
    expect(people.authenticate(`tl_pat_${id}_${row.secret_hmac.toString('base64url')}`).actor).toBeNull();
    people.close();
    people = open('another-pepper-0123456789abcdefghijklmnop');
    expect(people.authenticate(token).actor).toBeNull();
    people.close();
    people = open();
    expect(people.authenticate(token).actor).not.toBeNull();
  });

  it('refuses forged, revoked and expired tokens, and records the last use', () => {
    const { token } = memberToken('fay@example.com', 'analyst', '2025-01-01');
    const { id, secret } = parseToken(token)!;
    const flipped = secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A');
    for (const forged of [`tl_pat_${id}_${flipped}`, `tl_pat_ffffffffffffffff_${secret}`, token + 'x', token.toUpperCase(), '', ADMIN_TOKEN + ' ']) {
      expect(people.authenticate(forged).actor, forged).toBeNull();
    }
    people.authenticate(token, { ip: '203.0.113.9' });
    expect(people.tokens.get(id)).toMatchObject({ lastUsedIp: '203.0.113.9', lastUsedAt: now.toISOString() });
    at('2027-12-31T00:00:00Z');
    expect(people.authenticate(token)).toMatchObject({ actor: null, why: expect.stringMatching(/expired/) });
    at('2026-01-02T00:00:00Z');
    people.tokens.revoke(id, 'left the laptop on the train');
    expect(people.authenticate(token)).toMatchObject({ actor: null, why: expect.stringMatching(/revoked/) });
  });

  it('the admin token stops working once disabled', () => {
    expect(people.authenticate(ADMIN_TOKEN).actor).toEqual({ kind: 'bootstrap' });
    expect(people.ownerWithLiveToken()).toBe(false);
    memberToken('gus@example.com', 'owner', '2025-01-01');
    expect(people.ownerWithLiveToken()).toBe(true);
    people.setAdminTokenDisabled(true);
    expect(people.authenticate(ADMIN_TOKEN).actor).toBeNull();
  });
});

describe('the audit log', () => {
  const system = { type: 'system' as const, id: null, label: 'touchline', tokenId: null };
  const fill = (n: number) => {
    for (let i = 0; i < n; i++) people.audit.append({ actor: system, action: 'sql.query', outcome: 'allowed', params: { sql: `select ${i}` } });
  };

  it('refuses UPDATE and DELETE through SQL', () => {
    fill(3);
    expect(() => people.store.db.prepare("UPDATE audit_log SET outcome = 'denied'").run()).toThrow(/append-only/);
    expect(() => people.store.db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
    expect(people.audit.verify()).toMatchObject({ ok: true, records: 3 });
  });

  it('verify finds a changed record, a removed one and an inserted one, by sequence number', () => {
    fill(5);
    const db = people.store.db;
    const tamper = (sql: string) => {
      db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
      db.exec(sql);
    };
    tamper(`UPDATE audit_log SET params = '{"sql":"select 42"}' WHERE seq = 3`);
    expect(people.audit.verify()).toMatchObject({ ok: false, seq: 3, problem: expect.stringMatching(/changed/) });
    db.exec(`DELETE FROM audit_log WHERE seq = 3`);
    expect(people.audit.verify()).toMatchObject({ ok: false, seq: 4, problem: expect.stringMatching(/removed or inserted/) });
    db.exec(`DELETE FROM audit_log WHERE seq = 1`);
    expect(people.audit.verify()).toMatchObject({ ok: false, seq: 2 });
  });

  it('prunes past retention only through the pruner, and the chain still verifies from its anchor', () => {
    fill(3);
    at('2027-06-01T00:00:00Z');
    fill(2);
    expect(people.pruneAudit()).toBe(3);
    expect(people.audit.verify()).toMatchObject({ ok: true, records: 2 });
    expect(() => people.store.db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
    fill(1);
    expect(people.audit.verify()).toMatchObject({ ok: true, records: 3 });
  });

  it('prunes once a day on the server clock while running, and records the prune', () => {
    fill(3);
    at('2027-06-01T00:00:00Z');
    const timers = manualClock();
    const failures: string[] = [];
    const stop = scheduleAuditPrune(people, createLog({ level: 'info', sink: (msg) => void failures.push(msg) }), timers);
    timers.advance(86_400_000 - 1);
    expect(people.audit.query({ action: 'audit.pruned' })).toEqual([]);
    timers.advance(1);
    expect(people.audit.query({ action: 'audit.pruned' }).map((r) => r.params)).toEqual([{ records: 3, retentionDays: people.policy().audit.retentionDays }]);
    expect(people.audit.verify()).toMatchObject({ ok: true, records: 1 });
    expect(failures).toEqual([]);
    stop();
    expect(timers.timers()).toBe(0);
  });

  it('appends what the CLI queued offline at the next start, as offline, whatever the line claims', async () => {
    await queueOfflineUse(dir, { actor: { type: 'member', id: 'mem_forged', label: 'hal', tokenId: null }, action: 'offline.sql', outcome: 'allowed', params: { sql: 'select 1' } });
    await queueOfflineUse(dir, { actor: { type: 'offline', id: 'hal', label: 'hal', tokenId: null }, action: 'offline.status', outcome: 'allowed' });
    expect(await drainOfflineQueue(dir, people.audit)).toBe(2);
    expect(await drainOfflineQueue(dir, people.audit)).toBe(0);
    const recs = people.audit.query({ action: 'offline.' });
    expect(recs.map((r) => [r.action, r.actor.type])).toEqual([['offline.status', 'offline'], ['offline.sql', 'offline']]);
    expect(people.audit.verify().ok).toBe(true);
  });
});
