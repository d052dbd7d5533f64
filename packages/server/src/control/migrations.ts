/**
 * The control store's schema, one migration per version (`PRAGMA user_version` says which ran).
 * Append only: a released migration is never edited; approvals and suppressions (the people
 * issue's later parts) come as version 2, 3….
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

const V1 = `
CREATE TABLE members (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  email       TEXT NOT NULL COLLATE NOCASE UNIQUE,
  role        TEXT NOT NULL,
  start_date  TEXT NOT NULL,
  end_date    TEXT,
  disabled_at TEXT,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
) STRICT;

-- A token is stored as HMAC-SHA256 of its secret under the server's pepper, found by its public id.
CREATE TABLE tokens (
  id             TEXT PRIMARY KEY,
  member_id      TEXT NOT NULL REFERENCES members (id),
  name           TEXT NOT NULL,
  secret_hmac    BLOB NOT NULL,
  scopes         TEXT NOT NULL,
  created_at     TEXT NOT NULL,
  created_by     TEXT NOT NULL,
  expires_at     TEXT NOT NULL,
  revoked_at     TEXT,
  revoked_reason TEXT,
  last_used_at   TEXT,
  last_used_ip   TEXT
) STRICT;
CREATE INDEX tokens_member ON tokens (member_id);

CREATE TABLE grants (
  id         TEXT PRIMARY KEY,
  member_id  TEXT NOT NULL REFERENCES members (id),
  actions    TEXT NOT NULL,
  from_at    TEXT NOT NULL,
  until_at   TEXT NOT NULL,
  reason     TEXT NOT NULL,
  granted_by TEXT NOT NULL,
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX grants_member ON grants (member_id, until_at);

-- Overrides set with \`touchline policy set\` (the config file's live in the file).
CREATE TABLE policy_overrides (
  key        TEXT PRIMARY KEY,
  value      TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL
) STRICT;

-- Small facts about this control store: the policy section seen at the last start, the admin token's state.
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE audit_log (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  id          TEXT NOT NULL UNIQUE,
  occurred_at TEXT NOT NULL,
  actor_type  TEXT NOT NULL,
  actor_id    TEXT,
  actor_label TEXT,
  token_id    TEXT,
  action      TEXT NOT NULL,
  target      TEXT,
  params      TEXT,
  outcome     TEXT NOT NULL,
  rule        TEXT,
  reason      TEXT,
  status      INTEGER,
  ip          TEXT,
  user_agent  TEXT,
  before      TEXT,
  after       TEXT,
  prev_hash   TEXT NOT NULL,
  hash        TEXT NOT NULL
) STRICT;
CREATE INDEX audit_log_time ON audit_log (occurred_at);
CREATE INDEX audit_log_actor ON audit_log (actor_id, occurred_at);
CREATE INDEX audit_log_action ON audit_log (action, occurred_at);

-- The retention pruner opens this gate (a cutoff) inside its own transaction; nothing else can delete.
CREATE TABLE audit_prune_gate (
  cutoff TEXT NOT NULL
) STRICT;
-- Where the chain starts after a prune: the first kept record and the hash it points back to.
CREATE TABLE audit_anchor (
  one        INTEGER PRIMARY KEY CHECK (one = 1),
  first_seq  INTEGER NOT NULL,
  prev_hash  TEXT NOT NULL
) STRICT;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: records are never changed'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN NOT EXISTS (SELECT 1 FROM audit_prune_gate WHERE OLD.occurred_at < cutoff)
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: only the retention pruner removes records past audit.retentionDays'); END;
CREATE TRIGGER audit_anchor_no_insert BEFORE INSERT ON audit_anchor
WHEN NOT EXISTS (SELECT 1 FROM audit_prune_gate)
BEGIN SELECT RAISE(ABORT, 'the audit anchor moves only with the retention pruner'); END;
CREATE TRIGGER audit_anchor_no_update BEFORE UPDATE ON audit_anchor
WHEN NOT EXISTS (SELECT 1 FROM audit_prune_gate)
BEGIN SELECT RAISE(ABORT, 'the audit anchor moves only with the retention pruner'); END;
CREATE TRIGGER audit_anchor_no_delete BEFORE DELETE ON audit_anchor
BEGIN SELECT RAISE(ABORT, 'the audit anchor is never removed'); END;
`;

/**
 * Destination connections (src/connections/): the OAuth grant of each destination account, and
 * the connect flows waiting for their callback. Tokens are sealed (AES-256-GCM, the key in the
 * data dir's secrets.json), so a copy of this file alone sends nothing anywhere; a pending flow is
 * found by the SHA-256 of its state, and taken (deleted) by the one callback that uses it.
 */
const V4 = `
CREATE TABLE destination_grants (
  destination        TEXT PRIMARY KEY,
  provider           TEXT NOT NULL,
  refresh_token      BLOB,
  refresh_expires_at INTEGER,
  access_token       BLOB,
  access_expires_at  INTEGER,
  instance_url       TEXT,
  status             TEXT NOT NULL CHECK (status IN ('connected', 'reconnect_required', 'misconfigured')),
  reason             TEXT,
  connected_at       TEXT NOT NULL,
  connected_by       TEXT,
  updated_at         TEXT NOT NULL
) STRICT;

CREATE TABLE oauth_pending (
  state_hash    TEXT PRIMARY KEY,
  destination   TEXT NOT NULL,
  pkce_verifier BLOB,
  redirect_uri  TEXT NOT NULL,
  started_by    TEXT,
  expires_at    INTEGER NOT NULL
) STRICT;
`;

/**
 * Two-person approval of risky sends (src/approvals/): what was asked, by whom, the diff's digest
 * and its dry-run report, and the decision. Here and not in the warehouse: the requests carry the
 * rows a send would make, and the analyst SQL path must not read or forge them.
 */
const V2 = `
CREATE TABLE approvals (
  id              TEXT PRIMARY KEY,
  kind            TEXT NOT NULL,
  sync_name       TEXT NOT NULL,
  destination     TEXT NOT NULL,
  run_id          TEXT,
  options         TEXT NOT NULL,
  triggers        TEXT NOT NULL,
  counts          TEXT NOT NULL,
  digest          TEXT NOT NULL,
  report          TEXT NOT NULL,
  requester_type  TEXT NOT NULL,
  requester_id    TEXT,
  requester_token TEXT,
  requester_label TEXT NOT NULL,
  status          TEXT NOT NULL,
  created_at      TEXT NOT NULL,
  expires_at      TEXT NOT NULL,
  decided_at      TEXT,
  decider_type    TEXT,
  decider_id      TEXT,
  decider_token   TEXT,
  decider_label   TEXT,
  reason          TEXT,
  used_run_id     TEXT,
  superseded_by   TEXT
) STRICT;
CREATE INDEX approvals_status ON approvals (status, created_at);
CREATE INDEX approvals_sync ON approvals (sync_name, created_at);
`;

// Privacy requests (docs/governance.md, "Privacy"): the suppression list holds keyed hashes only
// (HMAC-SHA256 under a key derived from the server's pepper), never an identifier; a request
// records what it removed, by table, and on ClickHouse the deletes still running.
const V3 = `
CREATE TABLE suppressions (
  hash       TEXT PRIMARY KEY,
  request_id TEXT NOT NULL,
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX suppressions_request ON suppressions (request_id);

CREATE TABLE privacy_requests (
  id           TEXT PRIMARY KEY,
  subject_hash TEXT NOT NULL,
  subject_kind TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  created_by   TEXT NOT NULL,
  status       TEXT NOT NULL,
  identifiers  TEXT NOT NULL,
  removed      TEXT NOT NULL,
  pending      TEXT NOT NULL,
  finished_at  TEXT
) STRICT;
`;

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'members, tokens, grants, policy, audit log', sql: V1 },
  { version: 2, name: 'approvals', sql: V2 },
  { version: 3, name: 'privacy: suppressions, privacy requests', sql: V3 },
  { version: 4, name: 'destination grants and pending connect flows', sql: V4 },
];
