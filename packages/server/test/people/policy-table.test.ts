/**
 * The policy's spec, written out: for every action, what each role may do in each tenure band,
 * through a token holding every scope. The table is typed in by hand from docs/governance.md — it
 * is not derived from policy-defaults.ts — so a change to the defaults fails here until the spec
 * (and the docs) agree.
 *
 * Cells: three letters for the bands probation (day 10), established (day 45), senior (day 120):
 *   Y allowed, N denied, T allowed in test mode only, P allowed in test mode with the 1,000-row cap,
 *   A allowed, the send waiting for a second member's approval (src/approvals/).
 * Not started and ended are denied everything (checked for every cell too).
 */
import { describe, expect, it } from 'vitest';
import { ADMIN_ACTIONS, ROLES, SCOPES, type AdminAction, type Role } from '../../src/policy/actions.js';
import { decide, type Actor, type DecisionContext } from '../../src/policy/decide.js';

type Row = Record<Role, string>;
const all = (cell: string): Row => ({ viewer: cell, analyst: cell, marketer: cell, admin: cell, owner: cell });
const from = (first: Role, cell: string): Row => {
  const i = ROLES.indexOf(first);
  return Object.fromEntries(ROLES.map((r, j) => [r, j >= i ? cell : 'NNN'])) as Row;
};

/** `syncs.run` appears twice: as a real send and as a test-mode one. */
const SPEC: Record<AdminAction | 'syncs.run (test)', Row> = {
  'me.read': all('YYY'),
  'status.read': all('YYY'),
  'sources.list': all('YYY'),
  'syncs.list': all('YYY'),
  'destinations.list': all('YYY'),
  'syncs.read': all('YYY'),
  'tokens.list': all('YYY'),
  'tokens.create': all('YYY'),
  'tokens.revoke': all('YYY'),
  'metrics.read': all('YYY'),
  'dashboard.read': all('YYY'),
  'quality.read': all('YYY'),
  'plans.read': all('YYY'),
  'journeys.read': from('analyst', 'YYY'),
  'events.live': from('analyst', 'YYY'),
  'sql.query': from('analyst', 'YYY'),
  'attribution.run': from('analyst', 'YYY'),
  'syncs.dry-run': from('analyst', 'YYY'),
  'export.run': from('analyst', 'YYY'),
  'syncs.run': { viewer: 'NNN', analyst: 'NNN', marketer: 'NNN', admin: 'AYY', owner: 'AYY' },
  'syncs.run (test)': { viewer: 'NNN', analyst: 'NNN', marketer: 'PTT', admin: 'PYY', owner: 'PYY' },
  'syncs.cancel': from('marketer', 'YYY'),
  'spend.pull': from('marketer', 'YYY'),
  'spend.import': from('marketer', 'YYY'),
  'sources.create': from('admin', 'NNY'),
  'sources.revoke': from('admin', 'NNY'),
  'loader.flush': from('admin', 'YYY'),
  'spend.demo': from('admin', 'YYY'),
  'destinations.connect': from('admin', 'YYY'),
  'destinations.disconnect': from('admin', 'YYY'),
  'members.list': from('admin', 'YYY'),
  'policy.read': from('admin', 'YYY'),
  'audit.read': from('admin', 'YYY'),
  'audit.verify': from('admin', 'YYY'),
  'approvals.list': from('admin', 'YYY'),
  'approvals.read': from('admin', 'YYY'),
  'approvals.decide': from('admin', 'NYY'),
  'plans.reload': from('admin', 'YYY'),
  'plans.replay': from('admin', 'YYY'),
  // Irreversible: not in a member's first 30 days (a privacy officer who is not an admin gets
  // these through a time-bound grant: docs/governance.md, "Privacy").
  'privacy.delete': from('admin', 'NYY'),
  'privacy.suppressions.remove': from('admin', 'NYY'),
  'privacy.read': from('admin', 'YYY'),
  'members.add': from('owner', 'YYY'),
  'members.set-role': from('owner', 'YYY'),
  'members.disable': from('owner', 'YYY'),
  'members.grant': from('owner', 'YYY'),
  'members.tokens': from('owner', 'YYY'),
  'policy.set': from('owner', 'YYY'),
  'admin-token.rotate': from('owner', 'YYY'),
  'admin-token.disable': from('owner', 'YYY'),
  'admin-token.enable': from('owner', 'YYY'),
};

const NOW = new Date('2026-06-01T12:00:00Z');
const startFor = (days: number) => new Date(Date.UTC(2026, 5, 1) - days * 86_400_000).toISOString().slice(0, 10);
const BANDS = [
  { name: 'probation', startDate: startFor(10), endDate: null },
  { name: 'established', startDate: startFor(45), endDate: null },
  { name: 'senior', startDate: startFor(120), endDate: null },
] as const;
const OUTSIDE = [
  { name: 'not started', startDate: '2026-06-02', endDate: null, rule: 'tenure.not-started' },
  { name: 'ended', startDate: startFor(400), endDate: '2026-05-31', rule: 'tenure.ended' },
] as const;

const member = (role: Role, startDate: string, endDate: string | null): Actor => ({
  kind: 'member',
  member: { id: 'mem_1', name: 'Ada', email: 'ada@example.com', role, startDate, endDate },
  token: { id: '0123456789abcdef', scopes: [...SCOPES] },
  grants: [],
});

const ask = (actor: Actor, key: keyof typeof SPEC) => {
  const action = (key === 'syncs.run (test)' ? 'syncs.run' : key) as AdminAction;
  const ctx: DecisionContext = { now: NOW, ...(action === 'syncs.run' ? { send: key === 'syncs.run' ? 'real' : 'test' } : {}) };
  return decide(actor, action, ctx);
};

describe('the policy table: role × tenure band × action', () => {
  it('covers every action the admin API has', () => {
    expect(Object.keys(SPEC).filter((k) => k !== 'syncs.run (test)').sort()).toEqual([...ADMIN_ACTIONS].sort());
  });

  for (const [key, row] of Object.entries(SPEC) as [keyof typeof SPEC, Row][]) {
    it(key, () => {
      for (const role of ROLES) {
        BANDS.forEach((band, i) => {
          const d = ask(member(role, band.startDate, band.endDate), key);
          const cell = row[role][i]!;
          const where = `${role} in ${band.name}: ${d.rule} ${d.reason}`;
          expect(d.allowed, where).toBe(cell !== 'N');
          expect(d.rule.length, where).toBeGreaterThan(0);
          if (cell === 'Y') expect(d.obligations, where).toEqual({});
          if (cell === 'T') expect(d.obligations, where).toEqual({ testOnly: true });
          if (cell === 'P') expect(d.obligations, where).toEqual({ testOnly: true, maxRows: 1000 });
          if (cell === 'A') expect(d.obligations, where).toEqual({ approval: 'tenure.probation-sends' });
        });
        for (const band of OUTSIDE) {
          const d = ask(member(role, band.startDate, band.endDate), key);
          expect(d.allowed, `${role} ${band.name}`).toBe(false);
          expect(d.rule).toBe(band.rule);
        }
      }
    });
  }

  it('lets the bootstrap admin token do everything, and says so', () => {
    for (const action of ADMIN_ACTIONS) {
      const d = decide({ kind: 'bootstrap' }, action, { now: NOW, send: 'real' });
      expect([d.allowed, d.rule]).toEqual([true, 'bootstrap']);
    }
  });
});

describe('a token narrows its member\'s role, never widens it', () => {
  const owner = (scopes: (typeof SCOPES)[number][]): Actor => ({ ...(member('owner', startFor(400), null) as Extract<Actor, { kind: 'member' }>), token: { id: 'aaaaaaaaaaaaaaaa', scopes } });

  it('denies an owner\'s read-only token everything but reads, naming the scope', () => {
    const d = decide(owner(['read']), 'sql.query', { now: NOW });
    expect([d.allowed, d.rule]).toEqual([false, 'scope.analyze']);
    expect(d.reason).toContain('aaaaaaaaaaaaaaaa');
    expect(decide(owner(['read']), 'members.add', { now: NOW }).rule).toBe('scope.admin');
    expect(decide(owner(['read']), 'status.read', { now: NOW }).allowed).toBe(true);
  });

  it('gives a viewer with every scope no more than a viewer', () => {
    expect(decide(member('viewer', startFor(400), null), 'sql.query', { now: NOW }).rule).toBe('role.viewer');
  });

  it('lets only a metrics-scoped token read /metrics, and nothing else', () => {
    const m = owner(['metrics']);
    expect(decide(m, 'metrics.read', { now: NOW }).allowed).toBe(true);
    for (const a of ADMIN_ACTIONS.filter((x) => x !== 'metrics.read' && x !== 'me.read')) expect(decide(m, a, { now: NOW }).allowed, a).toBe(false);
  });

  it('refuses a token minting a token with scopes it does not have itself', () => {
    const d = decide(owner(['read', 'admin']), 'tokens.create', { now: NOW, requestedScopes: ['read', 'sync'] });
    expect([d.allowed, d.rule]).toEqual([false, 'scope.no-widening']);
    expect(decide(owner(['read', 'admin']), 'tokens.create', { now: NOW, requestedScopes: ['read'] }).allowed).toBe(true);
  });
});
