-- The unresolved conversations of a center (the backlog report, the queue) without reading the resolved ones.
CREATE INDEX ix_conversations_unresolved ON conversations (center_id, status) WHERE status <> 'resolved';
