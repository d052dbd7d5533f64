import type Database from 'better-sqlite3';
import { identifierHasher, type IdentifierHasher } from './identifier-hash.js';
import { isSuppressedEvent, isSuppressedRecord, isSuppressedRow } from './suppressed-event.js';
import { suppressionList, type SuppressionList } from './suppression-list.js';

/** The suppression checks the pipeline calls, one per place, each counting what it dropped. */
export interface PrivacyChecks {
  readonly hash: IdentifierHasher;
  readonly suppressions: SuppressionList;
  /** Ingest: an event as sent names a suppressed person (dropped before the spool). */
  readonly event: (event: unknown) => boolean;
  /** The loader: a spooled row names one (dropped before the outbox and the warehouse). */
  readonly row: (line: string) => boolean;
  /** Syncs and forwarding: a row about to be sent names one. */
  readonly record: (row: Readonly<Record<string, unknown>>) => boolean;
}

/** The suppression list over the control store, keyed by the data dir's pepper, and its checks. */
export function openPrivacyChecks(db: Database.Database, pepper: string): PrivacyChecks {
  const hash = identifierHasher(pepper);
  const suppressions = suppressionList(db, hash);
  const d = suppressions.dropped;
  return {
    hash,
    suppressions,
    event: (e) => isSuppressedEvent(suppressions, e) && ++d.ingest > 0,
    row: (line) => isSuppressedRow(suppressions, line),
    record: (r) => isSuppressedRecord(suppressions, r) && ++d.sync > 0,
  };
}
