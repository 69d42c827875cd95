-- Reports at scale. Every report reads a period of one center's ledger rows: the ledger is kept in that order
-- (a table clustered on center, time and id), so a month is read as one contiguous run instead of a row lookup
-- per index entry. The index on (center_id, at) it replaces is no longer needed.
CREATE TABLE report_events_by_time (
    id                TEXT NOT NULL,
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
    ref_id            TEXT NULL,
    PRIMARY KEY (center_id, at, id)
) WITHOUT ROWID;
INSERT INTO report_events_by_time (id, center_id, kind, at, conversation_id, counselor_id, channel, line, category, outcome, reason,
    started_at, due_at, wall_seconds, business_seconds, calendar_version, ref_id)
SELECT id, center_id, kind, at, conversation_id, counselor_id, channel, line, category, outcome, reason,
    started_at, due_at, wall_seconds, business_seconds, calendar_version, ref_id
FROM report_events;
DROP TABLE report_events;
ALTER TABLE report_events_by_time RENAME TO report_events;
CREATE UNIQUE INDEX ux_report_events_id ON report_events (id);
CREATE INDEX ix_report_events_conversation ON report_events (conversation_id);

-- The unresolved conversations of a center (the backlog report, the queue) without reading the resolved ones.
CREATE INDEX ix_conversations_unresolved ON conversations (center_id, status) WHERE status <> 'resolved';
