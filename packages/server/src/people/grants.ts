import type Database from 'better-sqlite3';
import { ADMIN_ACTIONS, isAdminAction, OWNER_RESERVED, type AdminAction } from '../policy/actions.js';
import type { GrantFacts } from '../policy/decide.js';
import { DATE, dateMs } from '../policy/tenure.js';
import type { PeopleClock } from './people-clock.js';

/** A time-bound exception for one member, on the record. */
export interface Grant extends GrantFacts {
  readonly memberId: string;
  readonly reason: string;
  /** A member id, or `bootstrap`. */
  readonly grantedBy: string;
  readonly createdAt: string;
}

export interface NewGrant {
  readonly memberId: string;
  readonly actions: readonly string[];
  /** ISO instant; must be in the future. */
  readonly until: string;
  readonly reason: string;
  readonly grantedBy: string;
}

export class GrantError extends Error {
  override readonly name = 'GrantError';
}

interface Row {
  id: string;
  member_id: string;
  actions: string;
  from_at: string;
  until_at: string;
  reason: string;
  granted_by: string;
  created_at: string;
}

const grantOf = (r: Row): Grant => ({
  id: r.id,
  memberId: r.member_id,
  actions: JSON.parse(r.actions) as AdminAction[],
  from: r.from_at,
  until: r.until_at,
  reason: r.reason,
  grantedBy: r.granted_by,
  createdAt: r.created_at,
});

/** Grants can last at most this long: an exception, not a second role. */
export const MAX_GRANT_DAYS = 90;

function checkActions(actions: readonly string[]): AdminAction[] {
  if (actions.length === 0) throw new GrantError('actions: name at least one action (touchline policy show lists them)');
  for (const a of actions) {
    if (!isAdminAction(a)) throw new GrantError(`actions: "${a.slice(0, 40)}" is not an action (one of ${ADMIN_ACTIONS.join(', ')})`);
    if (OWNER_RESERVED.has(a)) throw new GrantError(`actions: "${a}" is not granted for a while: it stays with owners (change the member's role instead)`);
  }
  return [...new Set(actions as AdminAction[])];
}

/** The grants table. Grants are never edited: one that should end sooner is superseded by the member's role or disabling. */
export function grantStore(db: Database.Database, clock: PeopleClock) {
  const forMember = db.prepare<[string, string], Row>('SELECT * FROM grants WHERE member_id = ? AND until_at > ? ORDER BY from_at, id');
  return {
    add(g: NewGrant): Grant {
      const now = clock.now();
      // A bare date means through that day (UTC).
      const until = DATE.test(g.until) ? dateMs(g.until) + 86_400_000 : Date.parse(g.until);
      if (Number.isNaN(until) || until <= now.getTime()) throw new GrantError('until: a date or time in the future (YYYY-MM-DD or ISO 8601)');
      if (until - now.getTime() > MAX_GRANT_DAYS * 86_400_000) throw new GrantError(`until: at most ${MAX_GRANT_DAYS} days ahead (a longer need is a role)`);
      const reason = g.reason.trim();
      if (!reason || reason.length > 500) throw new GrantError('reason: say why, in 1 to 500 characters (it goes on the record)');
      const id = clock.newId('grt');
      db.prepare('INSERT INTO grants (id, member_id, actions, from_at, until_at, reason, granted_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
        id, g.memberId, JSON.stringify(checkActions(g.actions)), now.toISOString(), new Date(until).toISOString(), reason, g.grantedBy, now.toISOString(),
      );
      return grantOf(db.prepare<[string], Row>('SELECT * FROM grants WHERE id = ?').get(id)!);
    },
    /** A member's grants that have not run out (some may start later). */
    current: (memberId: string): Grant[] => forMember.all(memberId, clock.now().toISOString()).map(grantOf),
  };
}
export type GrantStore = ReturnType<typeof grantStore>;
