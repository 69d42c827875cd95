-- Managers' reports (the metrics ledger), categories, referrals, and the audit log's retention.

-- The resident's first message (first response is measured from it, not from the record's creation), the latest
-- reopening (a resolution is timed from it), the line whose rule set the current deadline, and the program name.
ALTER TABLE conversations ADD COLUMN first_inbound_at TIMESTAMPTZ NULL;
ALTER TABLE conversations ADD COLUMN reopened_at TIMESTAMPTZ NULL;
ALTER TABLE conversations ADD COLUMN due_line TEXT NULL;
ALTER TABLE conversations ADD COLUMN program TEXT NULL;
UPDATE conversations c SET first_inbound_at = (
    SELECT MIN(m.received_at) FROM messages m WHERE m.conversation_id = c.id AND m.direction = 'in' AND m.kind <> 'system');

-- A referral of the resident to another department, a community center (동주민센터) or an outside agency.
CREATE TABLE referrals (
    id               UUID NOT NULL PRIMARY KEY,
    center_id        TEXT NOT NULL,
    conversation_id  UUID NOT NULL REFERENCES conversations (id),
    kind             TEXT NOT NULL CHECK (kind IN ('department', 'community_center', 'agency')),
    target           TEXT NOT NULL,
    note             TEXT NULL,
    referred_by      UUID NULL REFERENCES accounts (id),
    referred_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX ix_referrals_conversation ON referrals (conversation_id, referred_at);

-- The metrics ledger: one row per countable fact, written in the transaction that made it true. Every report reads
-- from here only. Durations are kept in wall-clock and business seconds, with the calendar version used.
CREATE TABLE report_events (
    id                UUID NOT NULL PRIMARY KEY,
    center_id         TEXT NOT NULL,
    kind              TEXT NOT NULL,
    at                TIMESTAMPTZ NOT NULL,
    conversation_id   UUID NULL,
    counselor_id      UUID NULL,
    channel           TEXT NULL,
    line              TEXT NULL,
    category          TEXT NULL,
    outcome           TEXT NULL,
    reason            TEXT NULL,
    started_at        TIMESTAMPTZ NULL,
    due_at            TIMESTAMPTZ NULL,
    wall_seconds      DOUBLE PRECISION NULL,
    business_seconds  DOUBLE PRECISION NULL,
    calendar_version  TEXT NULL,
    ref_id            UUID NULL
);
CREATE INDEX ix_report_events_period ON report_events (center_id, at);
CREATE INDEX ix_report_events_conversation ON report_events (conversation_id);

-- Each run of the audit retention purge. The audit log refuses every change except deleting records older than
-- a recorded purge's cutoff, so the only way to remove a record is a purge that leaves its own trace.
CREATE TABLE audit_purges (
    id        UUID NOT NULL PRIMARY KEY,
    at        TIMESTAMPTZ NOT NULL,
    cutoff    TIMESTAMPTZ NOT NULL
);
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM audit_purges p WHERE OLD.at < p.cutoff) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE FUNCTION audit_purges_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_purges is append-only';
END;
$$;
CREATE TRIGGER audit_purges_no_change BEFORE UPDATE OR DELETE ON audit_purges FOR EACH ROW EXECUTE FUNCTION audit_purges_append_only();
