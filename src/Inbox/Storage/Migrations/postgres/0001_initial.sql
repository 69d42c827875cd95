-- Ids are uuid (UUIDv7, made by the application), times timestamptz, JSON text.

CREATE TABLE event_sequence (
    id    INTEGER NOT NULL PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO event_sequence (id, value) VALUES (1, 0);

CREATE TABLE accounts (
    id                 UUID NOT NULL PRIMARY KEY,
    center_id          TEXT NOT NULL,
    username           TEXT NOT NULL,
    display_name       TEXT NOT NULL,
    role               TEXT NOT NULL CHECK (role IN ('counselor', 'manager', 'admin')),
    password_hash      TEXT NOT NULL,
    failed_logins      INTEGER NOT NULL DEFAULT 0,
    locked_until       TIMESTAMPTZ NULL,
    disabled_at        TIMESTAMPTZ NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    presence           TEXT NOT NULL DEFAULT 'offline' CHECK (presence IN ('available', 'away', 'offline')),
    presence_at        TIMESTAMPTZ NULL,
    last_assigned_at   TIMESTAMPTZ NULL
);
CREATE UNIQUE INDEX ux_accounts_username ON accounts (username);

CREATE TABLE contacts (
    id            UUID NOT NULL PRIMARY KEY,
    center_id     TEXT NOT NULL,
    display_name  TEXT NULL,
    phone         TEXT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX ux_contacts_phone ON contacts (center_id, phone);

CREATE TABLE channel_identities (
    id          UUID NOT NULL PRIMARY KEY,
    center_id   TEXT NOT NULL,
    contact_id  UUID NOT NULL REFERENCES contacts (id),
    channel     TEXT NOT NULL,
    address     TEXT NOT NULL,
    -- 'resident' when the resident gave this address in a conversation (e.g. their number for a call back)
    source      TEXT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX ux_identities_address ON channel_identities (center_id, channel, address);
CREATE INDEX ix_identities_contact ON channel_identities (contact_id);

CREATE TABLE conversations (
    id                    UUID NOT NULL PRIMARY KEY,
    center_id             TEXT NOT NULL,
    contact_id            UUID NOT NULL REFERENCES contacts (id),
    status                TEXT NOT NULL CHECK (status IN ('open', 'pending', 'resolved')),
    line                  TEXT NOT NULL CHECK (line IN ('text24', 'live', 'phone')),
    origin_channel        TEXT NOT NULL,
    last_inbound_channel  TEXT NOT NULL,
    priority              TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('normal', 'high', 'urgent')),
    assignee_id           UUID NULL REFERENCES accounts (id),
    assigned_at           TIMESTAMPTZ NULL,
    category              TEXT NULL,
    created_at            TIMESTAMPTZ NOT NULL,
    first_response_at     TIMESTAMPTZ NULL,
    waiting_since         TIMESTAMPTZ NULL,
    due_at                TIMESTAMPTZ NULL,
    -- Why due_at is set (first_response, next_response, callback, urgent), the calendar it was computed with, and
    -- when it was breached; the automatic acknowledgement and the out-of-hours reply, each sent once.
    due_reason            TEXT NULL,
    due_calendar_version  TEXT NULL,
    breached_at           TIMESTAMPTZ NULL,
    acknowledged_at       TIMESTAMPTZ NULL,
    closed_reply_until    TIMESTAMPTZ NULL,
    -- The crisis phrase that made the conversation urgent, shown to the counselor.
    triage_phrase         TEXT NULL,
    resolved_at           TIMESTAMPTZ NULL,
    last_activity_at      TIMESTAMPTZ NOT NULL
);
-- At most one unresolved conversation per contact: new messages thread into it.
CREATE UNIQUE INDEX ux_conversations_one_open ON conversations (contact_id) WHERE status <> 'resolved';
CREATE INDEX ix_conversations_activity ON conversations (center_id, last_activity_at DESC, id DESC);

CREATE TABLE messages (
    id                   UUID NOT NULL PRIMARY KEY,
    center_id            TEXT NOT NULL,
    conversation_id      UUID NOT NULL REFERENCES conversations (id),
    contact_id           UUID NOT NULL REFERENCES contacts (id),
    channel              TEXT NOT NULL,
    direction            TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    kind                 TEXT NOT NULL CHECK (kind IN ('text', 'media', 'transcript', 'note', 'system')),
    body                 TEXT NULL,
    subject              TEXT NULL,
    center_address       TEXT NULL,
    provider_message_id  TEXT NULL,
    author_id            UUID NULL REFERENCES accounts (id),
    provider_at          TIMESTAMPTZ NULL,
    received_at          TIMESTAMPTZ NOT NULL,
    delivery_status      TEXT NULL CHECK (delivery_status IN ('queued', 'sent', 'delivered', 'failed')),
    delivery_error       TEXT NULL,
    metadata             TEXT NULL,
    client_message_id    TEXT NULL,
    part                 INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX ux_messages_provider_id ON messages (center_id, channel, provider_message_id);
-- A counselor's reply retried with the same client message id is stored once (one row per SMS/LMS or Kakao part).
CREATE UNIQUE INDEX ux_messages_client_id ON messages (author_id, client_message_id, part);
CREATE INDEX ix_messages_conversation ON messages (conversation_id, received_at);

CREATE TABLE attachments (
    message_id    UUID NOT NULL REFERENCES messages (id),
    ordinal       INTEGER NOT NULL,
    purpose       TEXT NOT NULL CHECK (purpose IN ('media', 'full_text')),
    url           TEXT NOT NULL,
    content_type  TEXT NULL,
    file_name     TEXT NULL,
    size_bytes    BIGINT NULL,
    PRIMARY KEY (message_id, ordinal)
);

CREATE TABLE transcript_segments (
    message_id  UUID NOT NULL REFERENCES messages (id),
    ordinal     INTEGER NOT NULL,
    speaker     TEXT NOT NULL CHECK (speaker IN ('resident', 'counselor', 'system')),
    start_ms    INTEGER NOT NULL,
    end_ms      INTEGER NOT NULL,
    text        TEXT NOT NULL,
    confidence  DOUBLE PRECISION NULL,
    PRIMARY KEY (message_id, ordinal)
);

CREATE TABLE conversation_events (
    seq              BIGINT NOT NULL PRIMARY KEY,
    center_id        TEXT NOT NULL,
    conversation_id  UUID NULL REFERENCES conversations (id),
    type             TEXT NOT NULL,
    payload          TEXT NOT NULL,
    -- Who may see the event: a counselor sees events of unassigned conversations and of their own (before or after it).
    assignee_id           UUID NULL,
    previous_assignee_id  UUID NULL,
    actor_id         UUID NULL,
    created_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX ix_events_center ON conversation_events (center_id, seq);
CREATE INDEX ix_events_conversation ON conversation_events (conversation_id, seq);

-- A resident's request to be called (switch to phone) and what became of it.
CREATE TABLE callback_requests (
    id                    UUID NOT NULL PRIMARY KEY,
    center_id             TEXT NOT NULL,
    conversation_id       UUID NOT NULL REFERENCES conversations (id),
    contact_id            UUID NOT NULL REFERENCES contacts (id),
    phone                 TEXT NULL,
    source                TEXT NOT NULL CHECK (source IN ('kakao_button', 'resident_words', 'counselor', 'missed_call', 'voicemail')),
    status                TEXT NOT NULL CHECK (status IN ('requested', 'claimed', 'completed', 'no_answer', 'cancelled')),
    requested_at          TIMESTAMPTZ NOT NULL,
    due_at                TIMESTAMPTZ NOT NULL,
    due_calendar_version  TEXT NOT NULL,
    attempts              INTEGER NOT NULL DEFAULT 0,
    last_attempt_at       TIMESTAMPTZ NULL,
    completed_at          TIMESTAMPTZ NULL,
    completed_by          UUID NULL REFERENCES messages (id)
);
CREATE INDEX ix_callbacks_conversation ON callback_requests (conversation_id);
-- At most one open request per conversation.
CREATE UNIQUE INDEX ux_callbacks_open ON callback_requests (conversation_id) WHERE status IN ('requested', 'claimed');

-- One row per outbound message part to send. A worker leases rows (lease_token until lease_until), sends, and completes or reschedules them.
CREATE TABLE outbox (
    id               UUID NOT NULL PRIMARY KEY,
    message_id       UUID NOT NULL REFERENCES messages (id),
    center_id        TEXT NOT NULL,
    channel          TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ NOT NULL,
    lease_token      UUID NULL,
    lease_until      TIMESTAMPTZ NULL,
    last_error       TEXT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    completed_at     TIMESTAMPTZ NULL
);
CREATE UNIQUE INDEX ux_outbox_message ON outbox (message_id);
CREATE INDEX ix_outbox_due ON outbox (next_attempt_at) WHERE completed_at IS NULL;

-- Days a center is closed besides the public holidays computed from the law: its own closures, and temporary
-- holidays (임시공휴일) announced after a release (center_id NULL: every center). Days are 'yyyy-MM-dd'.
CREATE TABLE calendar_days (
    id          UUID NOT NULL PRIMARY KEY,
    center_id   TEXT NULL,
    day         TEXT NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('closure', 'temporary')),
    created_by  UUID NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX ix_calendar_days_day ON calendar_days (day);

-- Every calendar a deadline was computed with, by version, so an audit can re-derive the deadline.
CREATE TABLE calendar_versions (
    version     TEXT NOT NULL PRIMARY KEY,
    center_id   TEXT NOT NULL,
    definition  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE audit_log (
    id               UUID NOT NULL PRIMARY KEY,
    at               TIMESTAMPTZ NOT NULL,
    center_id        TEXT NOT NULL,
    account_id       UUID NULL,
    username         TEXT NOT NULL,
    source_ip        TEXT NULL,
    action           TEXT NOT NULL,
    contact_id       UUID NULL,
    conversation_id  UUID NULL,
    detail           TEXT NULL
);
CREATE INDEX ix_audit_center_at ON audit_log (center_id, at);
CREATE INDEX ix_audit_contact ON audit_log (contact_id, at);
-- Append-only at the store too: the application has no path to change or remove an audit record.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
