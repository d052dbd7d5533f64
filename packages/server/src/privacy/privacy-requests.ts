import type Database from 'better-sqlite3';
import type { TouchStore } from '../tracker-endpoint/touch-store.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { countPersonRows, erasePersonRows, pendingMutations, type RemovedRows } from './erase-person.js';
import type { IdentifierHasher } from './identifier-hash.js';
import { personIdentifiers, type PersonIdentifiers, type Subject } from './person-identifiers.js';
import type { SuppressionList } from './suppression-list.js';

export interface PrivacyDeps {
  readonly warehouse: Warehouse;
  readonly touchStore: TouchStore;
  /** The control store (privacy_requests). */
  readonly db: Database.Database;
  readonly hash: IdentifierHasher;
  readonly suppressions: SuppressionList;
  readonly now: () => Date;
  readonly newId: () => string;
  /**
   * Loads what the spool holds (the loader's flush), run after the suppression entry is written:
   * a load already under way finishes before the delete, and the rest is filtered. @defaultValue none
   */
  readonly settle?: () => Promise<void>;
}

/** `running`: started and not finished (a request that failed part way stays so: run it again). */
export type RequestStatus = 'done' | 'pending' | 'running' | 'dry_run';

/** A privacy request as stored and shown: never the identifier, only its keyed hash. */
export interface PrivacyRequest {
  readonly id: string | null;
  readonly subjectKind: Subject['kind'];
  readonly subjectHash: string;
  readonly status: RequestStatus;
  /** How many ids and emails the person expanded to; `shared`: anonymous ids left to another person. */
  readonly identifiers: { readonly ids: number; readonly shared: number; readonly emails: number };
  /** Rows removed (a dry run: that would be), by table; `touch_store`: visitors forgotten. */
  readonly removed: RemovedRows;
  /** ClickHouse tables whose DELETE is still running. */
  readonly pending: readonly string[];
  readonly createdAt: string;
  readonly createdBy: string;
  readonly finishedAt: string | null;
}

export interface DeleteOptions {
  readonly dryRun: boolean;
  /** Wait for ClickHouse's deletes to finish (up to `waitMs`) before answering. */
  readonly waitMs: number;
  /** Who asked (a member's email, or `admin token`). */
  readonly by: string;
}

interface RequestRow {
  id: string;
  subject_kind: string;
  subject_hash: string;
  status: string;
  identifiers: string;
  removed: string;
  pending: string;
  created_at: string;
  created_by: string;
  finished_at: string | null;
}

/** Between two looks at ClickHouse's running deletes. */
const PAUSE_MS = 500;

/** The control store's statements for privacy requests, prepared once. */
function requestStatements(db: Database.Database) {
  return {
    insert: db.prepare(
      'INSERT INTO privacy_requests (id, subject_hash, subject_kind, created_at, created_by, status, identifiers, removed, pending, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    finish: db.prepare('UPDATE privacy_requests SET status = ?, pending = ?, finished_at = ? WHERE id = ?'),
    record: db.prepare('UPDATE privacy_requests SET status = ?, removed = ?, pending = ?, finished_at = ? WHERE id = ?'),
    byId: db.prepare<[string], RequestRow>('SELECT * FROM privacy_requests WHERE id = ?'),
    all: db.prepare<[], RequestRow>('SELECT * FROM privacy_requests ORDER BY created_at DESC'),
  };
}
type Statements = ReturnType<typeof requestStatements>;

/** Waits for the deletes created since `since`, up to `waitMs`; returns the tables still running. */
async function waitFor(d: PrivacyDeps, since: string, waitMs: number): Promise<string[]> {
  const deadline = d.now().getTime() + waitMs;
  let pending = await pendingMutations(d.warehouse, since);
  while (pending.length > 0 && d.now().getTime() < deadline) {
    // Real time, not the injected clock: this paces polls of ClickHouse's own mutations, which run
    // in real time whatever the clock says (a test's manual clock would never end the pause). The
    // deadline is the clock's, so a test decides how long a request may wait.
    await new Promise<void>((r) => setTimeout(r, PAUSE_MS));
    pending = await pendingMutations(d.warehouse, since);
  }
  return pending;
}

/** What a request shows whether or not it runs: who, whom (hashed), and how far the person reaches. */
type RequestBase = Pick<PrivacyRequest, 'subjectKind' | 'subjectHash' | 'identifiers' | 'createdAt' | 'createdBy'>;

/** The dry run: what is spooled is the person's too, loaded first so the counts include it. */
async function countOnly(d: PrivacyDeps, person: PersonIdentifiers, base: RequestBase): Promise<PrivacyRequest> {
  await d.settle?.();
  const { counts } = await countPersonRows(d.warehouse, person);
  return { ...base, id: null, status: 'dry_run', removed: counts, pending: [], finishedAt: null };
}

/**
 * The delete itself. On the record and suppressed before anything is deleted: a failure part way
 * leaves a `running` request and a suppressed person, and the same delete run again finishes it.
 */
async function erasePerson(d: PrivacyDeps, st: Statements, subject: Subject, person: PersonIdentifiers, base: RequestBase, waitMs: number): Promise<PrivacyRequest> {
  const own = person.ids.filter((id) => !person.shared.includes(id));
  const id = d.newId();
  const hashes = [...new Set([subject.value, ...own, ...person.emails].map(d.hash))];
  st.insert.run(id, base.subjectHash, subject.kind, base.createdAt, base.createdBy, 'running', JSON.stringify(base.identifiers), '{}', '[]', null);
  d.suppressions.add(id, hashes, base.createdAt);
  await d.settle?.();
  const removed = await eraseWithRetry(d, person);
  removed['touch_store'] = await d.touchStore.forget(own);
  const pending = await waitFor(d, base.createdAt, waitMs);
  const finishedAt = pending.length === 0 ? d.now().toISOString() : null;
  const status: RequestStatus = pending.length === 0 ? 'done' : 'pending';
  st.record.run(status, JSON.stringify(removed), JSON.stringify(pending), finishedAt, id);
  return { ...base, id, status, removed, pending, finishedAt };
}

/** A request as stored, its ClickHouse deletes looked at again; null when there is none. */
async function requestStatus(d: PrivacyDeps, st: Statements, id: string): Promise<PrivacyRequest | null> {
  const row = st.byId.get(id);
  if (!row) return null;
  if (row.status === 'pending') {
    const pending = await pendingMutations(d.warehouse, row.created_at);
    if (pending.length === 0) st.finish.run('done', '[]', d.now().toISOString(), id);
    else st.finish.run('pending', JSON.stringify(pending), null, id);
  }
  return requestOf(st.byId.get(id)!);
}

/**
 * Privacy requests (docs/governance.md, "Privacy"): removing a person — resolved through identity
 * — from every table on both engines and the touch store, and suppressing them so that nothing
 * of theirs is stored or sent again.
 */
export function privacyRequests(d: PrivacyDeps) {
  const st = requestStatements(d.db);
  return {
    /**
     * Removes the subject's person, or (dry run) counts what would be removed. The suppression
     * entry is written first: an event arriving while the rows are deleted is dropped, not kept.
     */
    async deletePerson(subject: Subject, o: DeleteOptions): Promise<PrivacyRequest> {
      const person = await personIdentifiers(d.warehouse, subject);
      const identifiers = { ids: person.ids.length, shared: person.shared.length, emails: person.emails.length };
      const base: RequestBase = { subjectKind: subject.kind, subjectHash: d.hash(subject.value), identifiers, createdAt: d.now().toISOString(), createdBy: o.by };
      return o.dryRun ? countOnly(d, person, base) : erasePerson(d, st, subject, person, base, o.waitMs);
    },
    status: (id: string): Promise<PrivacyRequest | null> => requestStatus(d, st, id),
    list: (): PrivacyRequest[] => st.all.all().map(requestOf),
  };
}
export type PrivacyRequests = ReturnType<typeof privacyRequests>;

/**
 * The rows deleted, tried up to three times: DuckDB refuses a transaction that conflicts with a
 * load committing at the same moment (the loader retries its own); the suppression is already on.
 */
async function eraseWithRetry(d: PrivacyDeps, person: PersonIdentifiers): Promise<RemovedRows> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await erasePersonRows(d.warehouse, person);
    } catch (err) {
      if (attempt >= 3) throw err;
      await d.settle?.();
    }
  }
}

function requestOf(r: RequestRow): PrivacyRequest {
  const removed = JSON.parse(r.removed) as RemovedRows;
  return {
    id: r.id,
    subjectKind: r.subject_kind as Subject['kind'],
    subjectHash: r.subject_hash,
    status: r.status as RequestStatus,
    identifiers: JSON.parse(r.identifiers) as PrivacyRequest['identifiers'],
    removed,
    pending: JSON.parse(r.pending) as string[],
    createdAt: r.created_at,
    createdBy: r.created_by,
    finishedAt: r.finished_at,
  };
}
