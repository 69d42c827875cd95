-- Reports at scale. Every report asks for some kinds of ledger rows in a period: the kind leads the index, and the
-- columns the counting reports (volume, daily) need are in it, so they can be answered from the index alone. It
-- replaces the index on (center_id, at), which no query needs any more.
CREATE INDEX ix_report_events_kind ON report_events (center_id, kind, at, outcome, channel);
DROP INDEX ix_report_events_period ON report_events;

-- The unresolved conversations of a center (the backlog report, the queue) without reading the resolved ones.
CREATE INDEX ix_conversations_unresolved ON conversations (center_id, status) WHERE status <> 'resolved';
