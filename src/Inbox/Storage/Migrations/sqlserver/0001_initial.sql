-- SQL Server. Mirrors postgres/0001_initial.sql table for table, column for column, index for index.
-- Ids are uniqueidentifier (UUIDv7, made by the application; ORDER BY ties use SqlDialect.IdOrder), times
-- datetimeoffset, text nvarchar: bounded where indexed (an index key holds at most 1700 bytes), MAX where free text.
-- Unique indexes over nullable columns are filtered on IS NOT NULL: SQL Server counts NULLs as equal in a unique
-- index, PostgreSQL and SQLite do not. Addresses and provider/client message ids compare case-sensitively, as in
-- PostgreSQL, whatever the database's default collation: two residents' Kakao keys differing only in case stay two.
-- Batches are separated by GO lines (SqlServerDialect.SplitBatches).

CREATE TABLE event_sequence (
    id    INTEGER NOT NULL PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO event_sequence (id, value) VALUES (1, 0);

CREATE TABLE accounts (
    id                 UNIQUEIDENTIFIER NOT NULL PRIMARY KEY,
    center_id          NVARCHAR(100) NOT NULL,
    username           NVARCHAR(400) NOT NULL,
    display_name       NVARCHAR(MAX) NOT NULL,
    role               NVARCHAR(20) NOT NULL CHECK (role IN ('counselor', 'manager', 'admin')),
    password_hash      NVARCHAR(MAX) NOT NULL,
    failed_logins      INTEGER NOT NULL DEFAULT 0,
    locked_until       DATETIMEOFFSET NULL,
    disabled_at        DATETIMEOFFSET NULL,
    created_at         DATETIMEOFFSET NOT NULL,
    presence           NVARCHAR(20) NOT NULL DEFAULT 'offline' CHECK (presence IN ('available', 'away', 'offline')),
    presence_at        DATETIMEOFFSET NULL,
    last_assigned_at   DATETIMEOFFSET NULL
);
CREATE UNIQUE INDEX ux_accounts_username ON accounts (username);

CREATE TABLE contacts (
    id            UNIQUEIDENTIFIER NOT NULL PRIMARY KEY,
    center_id     NVARCHAR(100) NOT NULL,
    display_name  NVARCHAR(MAX) NULL,
    phone         NVARCHAR(64) NULL,
    created_at    DATETIMEOFFSET NOT NULL,
    last_seen_at  DATETIMEOFFSET NOT NULL
);
CREATE UNIQUE INDEX ux_contacts_phone ON contacts (center_id, phone) WHERE phone IS NOT NULL;

CREATE TABLE channel_identities (
    id          UNIQUEIDENTIFIER NOT NULL PRIMARY KEY,
    center_id   NVARCHAR(100) NOT NULL,
    contact_id  UNIQUEIDENTIFIER NOT NULL REFERENCES contacts (id),
    channel     NVARCHAR(20) NOT NULL,
    address     NVARCHAR(700) COLLATE Latin1_General_100_BIN2 NOT NULL,
    -- 'resident' when the resident gave this address in a conversation (e.g. their number for a call back)
    source      NVARCHAR(20) NULL,
    created_at  DATETIMEOFFSET NOT NULL
);
CREATE UNIQUE INDEX ux_identities_address ON channel_identities (center_id, channel, address);
CREATE INDEX ix_identities_contact ON channel_identities (contact_id);

CREATE TABLE conversations (
    id                    UNIQUEIDENTIFIER NOT NULL PRIMARY KEY,
    center_id             NVARCHAR(100) NOT NULL,
    contact_id            UNIQUEIDENTIFIER NOT NULL REFERENCES contacts (id),
    status                NVARCHAR(20) NOT NULL CHECK (status IN ('open', 'pending', 'resolved')),
    line                  NVARCHAR(20) NOT NULL CHECK (line IN ('text24', 'live', 'phone')),
    origin_channel        NVARCHAR(20) NOT NULL,
    last_inbound_channel  NVARCHAR(20) NOT NULL,
    priority              NVARCHAR(20) NOT NULL DEFAULT 'normal' CHECK (priority IN ('normal', 'high', 'urgent')),
    assignee_id           UNIQUEIDENTIFIER NULL REFERENCES accounts (id),
    assigned_at           DATETIMEOFFSET NULL,
    category              NVARCHAR(100) NULL,
    created_at            DATETIMEOFFSET NOT NULL,
    first_response_at     DATETIMEOFFSET NULL,
    waiting_since         DATETIMEOFFSET NULL,
    due_at                DATETIMEOFFSET NULL,
    -- Why due_at is set (first_response, next_response, callback, urgent), the calendar it was computed with, and
    -- when it was breached; the automatic acknowledgement and the out-of-hours reply, each sent once.
    due_reason            NVARCHAR(40) NULL,
    due_calendar_version  NVARCHAR(200) NULL,
    breached_at           DATETIMEOFFSET NULL,
    acknowledged_at       DATETIMEOFFSET NULL,
    closed_reply_until    DATETIMEOFFSET NULL,
    -- The crisis phrase that made the conversation urgent, shown to the counselor.
    triage_phrase         NVARCHAR(MAX) NULL,
    resolved_at           DATETIMEOFFSET NULL,
    last_activity_at      DATETIMEOFFSET NOT NULL
);
-- At most one unresolved conversation per contact: new messages thread into it.
CREATE UNIQUE INDEX ux_conversations_one_open ON conversations (contact_id) WHERE status <> 'resolved';
CREATE INDEX ix_conversations_activity ON conversations (center_id, last_activity_at DESC, id DESC);

CREATE TABLE messages (
    id                   UNIQUEIDENTIFIER NOT NULL PRIMARY KEY,
    center_id            NVARCHAR(100) NOT NULL,
    conversation_id      UNIQUEIDENTIFIER NOT NULL REFERENCES conversations (id),
    contact_id           UNIQUEIDENTIFIER NOT NULL REFERENCES contacts (id),
    channel              NVARCHAR(20) NOT NULL,
    direction            NVARCHAR(10) NOT NULL CHECK (direction IN ('in', 'out')),
    kind                 NVARCHAR(20) NOT NULL CHECK (kind IN ('text', 'media', 'transcript', 'note', 'system')),
    body                 NVARCHAR(MAX) NULL,
    subject              NVARCHAR(MAX) NULL,
    center_address       NVARCHAR(700) NULL,
    provider_message_id  NVARCHAR(700) COLLATE Latin1_General_100_BIN2 NULL,
    author_id            UNIQUEIDENTIFIER NULL REFERENCES accounts (id),
    provider_at          DATETIMEOFFSET NULL,
    received_at          DATETIMEOFFSET NOT NULL,
    delivery_status      NVARCHAR(20) NULL CHECK (delivery_status IN ('queued', 'sent', 'delivered', 'failed')),
    delivery_error       NVARCHAR(MAX) NULL,
    metadata             NVARCHAR(MAX) NULL,
    client_message_id    NVARCHAR(200) COLLATE Latin1_General_100_BIN2 NULL,
    part                 INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX ux_messages_provider_id ON messages (center_id, channel, provider_message_id) WHERE provider_message_id IS NOT NULL;
-- A counselor's reply retried with the same client message id is stored once (one row per SMS/LMS or Kakao part).
CREATE UNIQUE INDEX ux_messages_client_id ON messages (author_id, client_message_id, part) WHERE author_id IS NOT NULL AND client_message_id IS NOT NULL;
CREATE INDEX ix_messages_conversation ON messages (conversation_id, received_at);

CREATE TABLE attachments (
    message_id    UNIQUEIDENTIFIER NOT NULL REFERENCES messages (id),
    ordinal       INTEGER NOT NULL,
    purpose       NVARCHAR(20) NOT NULL CHECK (purpose IN ('media', 'full_text')),
    url           NVARCHAR(MAX) NOT NULL,
    content_type  NVARCHAR(MAX) NULL,
    file_name     NVARCHAR(MAX) NULL,
    size_bytes    BIGINT NULL,
    PRIMARY KEY (message_id, ordinal)
);

CREATE TABLE transcript_segments (
    message_id  UNIQUEIDENTIFIER NOT NULL REFERENCES messages (id),
    ordinal     INTEGER NOT NULL,
    speaker     NVARCHAR(20) NOT NULL CHECK (speaker IN ('resident', 'counselor', 'system')),
    start_ms    INTEGER NOT NULL,
    end_ms      INTEGER NOT NULL,
    text        NVARCHAR(MAX) NOT NULL,
    confidence  FLOAT NULL,
    PRIMARY KEY (message_id, ordinal)
);

CREATE TABLE conversation_events (
    seq              BIGINT NOT NULL PRIMARY KEY,
    center_id        NVARCHAR(100) NOT NULL,
    conversation_id  UNIQUEIDENTIFIER NULL REFERENCES conversations (id),
    type             NVARCHAR(100) NOT NULL,
    payload          NVARCHAR(MAX) NOT NULL,
    -- Who may see the event: a counselor sees events of unassigned conversations and of their own (before or after it).
    assignee_id           UNIQUEIDENTIFIER NULL,
    previous_assignee_id  UNIQUEIDENTIFIER NULL,
    actor_id         UNIQUEIDENTIFIER NULL,
    created_at       DATETIMEOFFSET NOT NULL
);
CREATE INDEX ix_events_center ON conversation_events (center_id, seq);
CREATE INDEX ix_events_conversation ON conversation_events (conversation_id, seq);

-- A resident's request to be called (switch to phone) and what became of it.
CREATE TABLE callback_requests (
    id                    UNIQUEIDENTIFIER NOT NULL PRIMARY KEY,
    center_id             NVARCHAR(100) NOT NULL,
    conversation_id       UNIQUEIDENTIFIER NOT NULL REFERENCES conversations (id),
    contact_id            UNIQUEIDENTIFIER NOT NULL REFERENCES contacts (id),
    phone                 NVARCHAR(64) NULL,
    source                NVARCHAR(20) NOT NULL CHECK (source IN ('kakao_button', 'resident_words', 'counselor', 'missed_call', 'voicemail')),
    status                NVARCHAR(20) NOT NULL CHECK (status IN ('requested', 'claimed', 'completed', 'no_answer', 'cancelled')),
    requested_at          DATETIMEOFFSET NOT NULL,
    due_at                DATETIMEOFFSET NOT NULL,
    due_calendar_version  NVARCHAR(200) NOT NULL,
    attempts              INTEGER NOT NULL DEFAULT 0,
    last_attempt_at       DATETIMEOFFSET NULL,
    completed_at          DATETIMEOFFSET NULL,
    completed_by          UNIQUEIDENTIFIER NULL REFERENCES messages (id)
);
CREATE INDEX ix_callbacks_conversation ON callback_requests (conversation_id);
-- At most one open request per conversation.
CREATE UNIQUE INDEX ux_callbacks_open ON callback_requests (conversation_id) WHERE status IN ('requested', 'claimed');

-- One row per outbound message part to send. A worker leases rows (lease_token until lease_until), sends, and completes or reschedules them.
CREATE TABLE outbox (
    id               UNIQUEIDENTIFIER NOT NULL PRIMARY KEY,
    message_id       UNIQUEIDENTIFIER NOT NULL REFERENCES messages (id),
    center_id        NVARCHAR(100) NOT NULL,
    channel          NVARCHAR(20) NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  DATETIMEOFFSET NOT NULL,
    lease_token      UNIQUEIDENTIFIER NULL,
    lease_until      DATETIMEOFFSET NULL,
    last_error       NVARCHAR(MAX) NULL,
    created_at       DATETIMEOFFSET NOT NULL,
    completed_at     DATETIMEOFFSET NULL
);
CREATE UNIQUE INDEX ux_outbox_message ON outbox (message_id);
CREATE INDEX ix_outbox_due ON outbox (next_attempt_at) WHERE completed_at IS NULL;

-- Days a center is closed besides the public holidays computed from the law: its own closures, and temporary
-- holidays (임시공휴일) announced after a release (center_id NULL: every center). Days are 'yyyy-MM-dd'.
CREATE TABLE calendar_days (
    id          UNIQUEIDENTIFIER NOT NULL PRIMARY KEY,
    center_id   NVARCHAR(100) NULL,
    day         NVARCHAR(10) NOT NULL,
    name        NVARCHAR(MAX) NOT NULL,
    kind        NVARCHAR(20) NOT NULL CHECK (kind IN ('closure', 'temporary')),
    created_by  UNIQUEIDENTIFIER NULL,
    created_at  DATETIMEOFFSET NOT NULL
);
CREATE INDEX ix_calendar_days_day ON calendar_days (day);

-- Every calendar a deadline was computed with, by version, so an audit can re-derive the deadline.
CREATE TABLE calendar_versions (
    version     NVARCHAR(200) NOT NULL PRIMARY KEY,
    center_id   NVARCHAR(100) NOT NULL,
    definition  NVARCHAR(MAX) NOT NULL,
    created_at  DATETIMEOFFSET NOT NULL
);

CREATE TABLE audit_log (
    id               UNIQUEIDENTIFIER NOT NULL PRIMARY KEY,
    at               DATETIMEOFFSET NOT NULL,
    center_id        NVARCHAR(100) NOT NULL,
    account_id       UNIQUEIDENTIFIER NULL,
    username         NVARCHAR(400) NOT NULL,
    source_ip        NVARCHAR(64) NULL,
    action           NVARCHAR(100) NOT NULL,
    contact_id       UNIQUEIDENTIFIER NULL,
    conversation_id  UNIQUEIDENTIFIER NULL,
    detail           NVARCHAR(MAX) NULL
);
CREATE INDEX ix_audit_center_at ON audit_log (center_id, at);
CREATE INDEX ix_audit_contact ON audit_log (contact_id, at);
GO
-- Append-only at the store too: the application has no path to change or remove an audit record.
CREATE TRIGGER audit_log_no_update ON audit_log INSTEAD OF UPDATE AS
BEGIN
    THROW 50001, 'audit_log is append-only', 1;
END;
GO
CREATE TRIGGER audit_log_no_delete ON audit_log INSTEAD OF DELETE AS
BEGIN
    THROW 50001, 'audit_log is append-only', 1;
END;
