import type Database from 'better-sqlite3';
import { isRole, ROLES, type Role } from '../policy/actions.js';
import type { MemberFacts } from '../policy/decide.js';
import { dateOf, isDate } from '../policy/tenure.js';
import type { PeopleClock } from './people-clock.js';

/** A member of the team: who they are, their role, and their time in the team. */
export interface Member extends MemberFacts {
  /** When an owner disabled them (their tokens stop working at once), or null. */
  readonly disabledAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface NewMember {
  readonly name: string;
  readonly email: string;
  readonly role: string;
  /** `YYYY-MM-DD`, the first day in the team. @defaultValue today */
  readonly startDate?: string | undefined;
  readonly endDate?: string | null | undefined;
}

/** A member request that cannot be done, saying why (400/404/409 at the API). */
export class MemberError extends Error {
  override readonly name = 'MemberError';
  constructor(
    readonly kind: 'invalid' | 'not_found' | 'conflict',
    message: string,
  ) {
    super(message);
  }
}

interface Row {
  id: string;
  name: string;
  email: string;
  role: string;
  start_date: string;
  end_date: string | null;
  disabled_at: string | null;
  created_at: string;
  updated_at: string;
}

const memberOf = (r: Row): Member => ({
  id: r.id,
  name: r.name,
  email: r.email,
  role: r.role as Role,
  startDate: r.start_date,
  endDate: r.end_date,
  disabledAt: r.disabled_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

// Deliberately loose: one @, something on each side, a dot in the domain, no spaces or controls.
const EMAIL = /^[^\s@\p{Cc}]{1,64}@[^\s@\p{Cc}]+\.[^\s@\p{Cc}]+$/u;

function checkNew(m: NewMember, today: string): Required<Pick<NewMember, 'name' | 'email'>> & { role: Role; startDate: string; endDate: string | null } {
  const name = m.name.trim();
  if (!name || name.length > 200 || /\p{Cc}/u.test(name)) throw new MemberError('invalid', 'name: 1 to 200 characters, no control characters');
  const email = m.email.trim();
  if (email.length > 254 || !EMAIL.test(email)) throw new MemberError('invalid', `email: "${email.slice(0, 80)}" is not an e-mail address`);
  if (!isRole(m.role)) throw new MemberError('invalid', `role: one of ${ROLES.join(', ')} (got "${String(m.role).slice(0, 40)}")`);
  const startDate = m.startDate ?? today;
  if (!isDate(startDate)) throw new MemberError('invalid', `start date: YYYY-MM-DD (got "${startDate.slice(0, 40)}")`);
  const endDate = m.endDate ?? null;
  if (endDate !== null && (!isDate(endDate) || endDate < startDate)) throw new MemberError('invalid', `end date: YYYY-MM-DD, not before the start date ${startDate}`);
  return { name, email, role: m.role, startDate, endDate };
}

/** The members table. Synchronous: better-sqlite3 calls take microseconds. */
export function memberStore(db: Database.Database, clock: PeopleClock) {
  const byId = db.prepare<[string], Row>('SELECT * FROM members WHERE id = ?');
  const byEmail = db.prepare<[string], Row>('SELECT * FROM members WHERE email = ?');
  const all = db.prepare<[], Row>('SELECT * FROM members ORDER BY created_at, id');
  const iso = () => clock.now().toISOString();

  /** A member by id or e-mail address. */
  const find = (ref: string): Member | null => {
    const r = byId.get(ref) ?? byEmail.get(ref.trim());
    return r ? memberOf(r) : null;
  };
  const get = (ref: string): Member => {
    const m = find(ref);
    if (!m) throw new MemberError('not_found', `no member "${ref.slice(0, 80)}" (touchline members list)`);
    return m;
  };
  /** Owners who can still act: enabled, not past their end date. */
  const activeOwners = (): Member[] => {
    const today = dateOf(clock.now());
    return all.all().map(memberOf).filter((m) => m.role === 'owner' && m.disabledAt === null && (m.endDate === null || m.endDate >= today));
  };
  const keepAnOwner = (m: Member, what: string) => {
    if (m.role === 'owner' && activeOwners().filter((o) => o.id !== m.id).length === 0) {
      throw new MemberError('conflict', `${m.email} is the last active owner: ${what} would leave nobody to manage members (add another owner first)`);
    }
  };

  return {
    find,
    get,
    list: (): Member[] => all.all().map(memberOf),
    activeOwners,
    add(input: NewMember): Member {
      const now = iso();
      const m = checkNew(input, dateOf(clock.now()));
      if (byEmail.get(m.email)) throw new MemberError('conflict', `a member with the e-mail address ${m.email} exists already`);
      const id = clock.newId('mem');
      db.prepare('INSERT INTO members (id, name, email, role, start_date, end_date, disabled_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?)').run(
        id, m.name, m.email, m.role, m.startDate, m.endDate, now, now,
      );
      return get(id);
    },
    setRole(ref: string, role: string): { before: Member; after: Member } {
      if (!isRole(role)) throw new MemberError('invalid', `role: one of ${ROLES.join(', ')} (got "${role.slice(0, 40)}")`);
      const before = get(ref);
      if (role !== 'owner') keepAnOwner(before, `making them ${role}`);
      db.prepare('UPDATE members SET role = ?, updated_at = ? WHERE id = ?').run(role, iso(), before.id);
      return { before, after: get(before.id) };
    },
    disable(ref: string): { before: Member; after: Member } {
      const before = get(ref);
      if (before.disabledAt !== null) return { before, after: before };
      keepAnOwner(before, 'disabling them');
      const now = iso();
      db.prepare('UPDATE members SET disabled_at = ?, updated_at = ? WHERE id = ?').run(now, now, before.id);
      return { before, after: get(before.id) };
    },
  };
}
export type MemberStore = ReturnType<typeof memberStore>;
