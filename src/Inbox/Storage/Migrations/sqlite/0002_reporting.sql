-- Managers' reports (the metrics ledger), categories, referrals, and the audit log's retention.

-- The resident's first message (first response is measured from it, not from the record's creation), the latest
-- reopening (a resolution is timed from it), the line whose rule set the current deadline, and the program name.
ALTER TABLE conversations ADD COLUMN first_inbound_at TEXT NULL;
ALTER TABLE conversations ADD COLUMN reopened_at TEXT NULL;
ALTER TABLE conversations ADD COLUMN due_line TEXT NULL;
ALTER TABLE conversations ADD COLUMN program TEXT NULL;
UPDATE conversations SET first_inbound_at = (
    SELECT MIN(m.received_at) FROM messages m WHERE m.conversation_id = conversations.id AND m.direction = 'in' AND m.kind <> 'system');

-- A referral of the resident to another department, a community center (동주민센터) or an outside agency.
CREATE TABLE referrals (
    id               TEXT NOT NULL PRIMARY KEY,
    center_id        TEXT NOT NULL,
    conversation_id  TEXT NOT NULL REFERENCES conversations (id),
    kind             TEXT NOT NULL CHECK (kind IN ('department', 'community_center', 'agency')),
    target           TEXT NOT NULL,
    note             TEXT NULL,
    referred_by      TEXT NULL REFERENCES accounts (id),
    referred_at      TEXT NOT NULL
);
CREATE INDEX ix_referrals_conversation ON referrals (conversation_id, referred_at);

-- The metrics ledger: one row per countable fact, written in the transaction that made it true. Every report reads
-- from here only. Durations are kept in wall-clock and business seconds, with the calendar version used.
CREATE TABLE report_events (
    id                TEXT NOT NULL PRIMARY KEY,
    center_id         TEXT NOT NULL,
    kind              TEXT NOT NULL,
    at                TEXT NOT NULL,
    conversation_id   TEXT NULL,
    counselor_id      TEXT NULL,
    channel           TEXT NULL,
    line              TEXT NULL,
    category          TEXT NULL,
    outcome           TEXT NULL,
    reason            TEXT NULL,
    started_at        TEXT NULL,
    due_at            TEXT NULL,
    wall_seconds      REAL NULL,
    business_seconds  REAL NULL,
    calendar_version  TEXT NULL,
    ref_id            TEXT NULL
);
CREATE INDEX ix_report_events_period ON report_events (center_id, at);
CREATE INDEX ix_report_events_conversation ON report_events (conversation_id);

-- Each run of the audit retention purge. The audit log refuses every change except deleting records older than
-- a recorded purge's cutoff, so the only way to remove a record is a purge that leaves its own trace.
CREATE TABLE audit_purges (
    id        TEXT NOT NULL PRIMARY KEY,
    at        TEXT NOT NULL,
    cutoff    TEXT NOT NULL
);
DROP TRIGGER audit_log_no_delete;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN NOT EXISTS (SELECT 1 FROM audit_purges p WHERE OLD.at < p.cutoff)
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_purges_no_update BEFORE UPDATE ON audit_purges BEGIN SELECT RAISE(ABORT, 'audit_purges is append-only'); END;
CREATE TRIGGER audit_purges_no_delete BEFORE DELETE ON audit_purges BEGIN SELECT RAISE(ABORT, 'audit_purges is append-only'); END;
