-- Managers' reports (the metrics ledger), categories, referrals, and the audit log's retention.

-- The resident's first message (first response is measured from it, not from the record's creation), the latest
-- reopening (a resolution is timed from it), the line whose rule set the current deadline, and the program name.
ALTER TABLE conversations ADD first_inbound_at DATETIMEOFFSET NULL;
ALTER TABLE conversations ADD reopened_at DATETIMEOFFSET NULL;
ALTER TABLE conversations ADD due_line NVARCHAR(20) NULL;
ALTER TABLE conversations ADD program NVARCHAR(200) NULL;
GO
-- A new batch: the columns added above are only visible to statements compiled after them.
UPDATE conversations SET first_inbound_at = (
    SELECT MIN(m.received_at) FROM messages m WHERE m.conversation_id = conversations.id AND m.direction = 'in' AND m.kind <> 'system');

-- A referral of the resident to another department, a community center (동주민센터) or an outside agency.
CREATE TABLE referrals (
    id               UNIQUEIDENTIFIER NOT NULL PRIMARY KEY,
    center_id        NVARCHAR(100) NOT NULL,
    conversation_id  UNIQUEIDENTIFIER NOT NULL REFERENCES conversations (id),
    kind             NVARCHAR(20) NOT NULL CHECK (kind IN ('department', 'community_center', 'agency')),
    target           NVARCHAR(MAX) NOT NULL,
    note             NVARCHAR(MAX) NULL,
    referred_by      UNIQUEIDENTIFIER NULL REFERENCES accounts (id),
    referred_at      DATETIMEOFFSET NOT NULL
);
CREATE INDEX ix_referrals_conversation ON referrals (conversation_id, referred_at);

-- The metrics ledger: one row per countable fact, written in the transaction that made it true. Every report reads
-- from here only. Durations are kept in wall-clock and business seconds, with the calendar version used.
CREATE TABLE report_events (
    id                UNIQUEIDENTIFIER NOT NULL PRIMARY KEY,
    center_id         NVARCHAR(100) NOT NULL,
    kind              NVARCHAR(50) NOT NULL,
    at                DATETIMEOFFSET NOT NULL,
    conversation_id   UNIQUEIDENTIFIER NULL,
    counselor_id      UNIQUEIDENTIFIER NULL,
    channel           NVARCHAR(20) NULL,
    line              NVARCHAR(20) NULL,
    category          NVARCHAR(100) NULL,
    outcome           NVARCHAR(400) NULL,
    reason            NVARCHAR(400) NULL,
    started_at        DATETIMEOFFSET NULL,
    due_at            DATETIMEOFFSET NULL,
    wall_seconds      FLOAT NULL,
    business_seconds  FLOAT NULL,
    calendar_version  NVARCHAR(200) NULL,
    ref_id            UNIQUEIDENTIFIER NULL
);
CREATE INDEX ix_report_events_period ON report_events (center_id, at);
CREATE INDEX ix_report_events_conversation ON report_events (conversation_id);

-- Each run of the audit retention purge. The audit log refuses every change except deleting records older than
-- a recorded purge's cutoff, so the only way to remove a record is a purge that leaves its own trace.
CREATE TABLE audit_purges (
    id        UNIQUEIDENTIFIER NOT NULL PRIMARY KEY,
    at        DATETIMEOFFSET NOT NULL,
    cutoff    DATETIMEOFFSET NOT NULL
);
GO
-- Statement-level: the whole DELETE is refused when any of its rows is not older than a recorded purge's cutoff
-- (PostgreSQL refuses row by row, which aborts the statement and its transaction the same way).
ALTER TRIGGER audit_log_no_delete ON audit_log INSTEAD OF DELETE AS
BEGIN
    SET NOCOUNT ON;
    IF EXISTS (SELECT 1 FROM deleted d WHERE NOT EXISTS (SELECT 1 FROM audit_purges p WHERE d.at < p.cutoff))
        THROW 50001, 'audit_log is append-only', 1;
    DELETE FROM audit_log WHERE id IN (SELECT id FROM deleted);
END;
GO
CREATE TRIGGER audit_purges_no_change ON audit_purges INSTEAD OF UPDATE, DELETE AS
BEGIN
    THROW 50002, 'audit_purges is append-only', 1;
END;
