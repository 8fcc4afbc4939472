-- Managers, their inbox sessions, escalations (one row per human episode of a conversation), hand-back
-- notes for the worker, per-manager read marks, and the idempotent alerts table (Telegram AlertDeduper).

-- Seeded from the demo data at start-up (server/managers.py); profile fields are refreshed on every start,
-- a password set once is kept.
CREATE TABLE managers (
    id                     text PRIMARY KEY,                 -- "mgr_01"
    name                   text        NOT NULL,
    email                  text        NOT NULL,
    role                   text,
    zoho_crm_user_id       text,
    telegram_chat_id       bigint,
    languages              text[]      NOT NULL DEFAULT '{}',
    specialties            text[]      NOT NULL DEFAULT '{}',
    specialty_category_ids text[]      NOT NULL DEFAULT '{}',
    working_hours          jsonb       NOT NULL DEFAULT '{}',
    leave                  jsonb       NOT NULL DEFAULT '[]',  -- [{"from": "2026-02-01", "until": "2026-03-01"}]
    is_active              boolean     NOT NULL DEFAULT true,
    max_open_chats         integer     NOT NULL DEFAULT 30,
    notes                  text,
    -- "scrypt$n$r$p$<salt b64>$<key b64>" (hashlib.scrypt); NULL: cannot log in
    password_hash          text,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX managers_email ON managers (lower(email));

-- Browser sessions (cookie) and API bearer tokens. Only the sha256 of the token is stored.
CREATE TABLE manager_sessions (
    token_hash   text PRIMARY KEY,
    manager_id   text        NOT NULL REFERENCES managers (id) ON DELETE CASCADE,
    kind         text        NOT NULL DEFAULT 'cookie' CHECK (kind IN ('cookie', 'bearer')),
    csrf_token   text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    user_agent   text
);
CREATE INDEX manager_sessions_expiry ON manager_sessions (expires_at);

ALTER TABLE conversations ADD COLUMN assigned_manager_id text REFERENCES managers (id);
ALTER TABLE messages ADD COLUMN manager_id text REFERENCES managers (id);

-- One row per human episode of a conversation. Open while resolved_at IS NULL (at most one per conversation).
CREATE TABLE escalations (
    id                    bigserial PRIMARY KEY,
    conversation_id       bigint      NOT NULL REFERENCES conversations (id),
    episode               integer     NOT NULL,
    reason                text        NOT NULL,   -- agent/escalation.py ReasonCode, or manager_takeover
    reasons               text[]      NOT NULL DEFAULT '{}',
    detail                text,
    summary               text,
    language              text,
    categories            text[]      NOT NULL DEFAULT '{}',
    manager_id            text REFERENCES managers (id),
    routing               text,                   -- how the manager was chosen (agent/routing.py)
    status                text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'taken', 'resolved')),
    -- the transcript before this message id was seen by the bot; the human episode starts after it
    started_after_message_id bigint   NOT NULL DEFAULT 0,
    created_at            timestamptz NOT NULL DEFAULT now(),
    taken_at              timestamptz,
    taken_by              text REFERENCES managers (id),
    resolved_at           timestamptz,
    resolved_by           text REFERENCES managers (id),
    alert_status          text        NOT NULL DEFAULT 'pending'
        CHECK (alert_status IN ('pending', 'sending', 'sent', 'failed', 'skipped')),
    alert_attempts        integer     NOT NULL DEFAULT 0,
    alert_next_attempt_at timestamptz NOT NULL DEFAULT now(),
    alert_lease_until     timestamptz,
    alert_error           text,
    alert_sent_at         timestamptz,
    UNIQUE (conversation_id, episode)
);
CREATE UNIQUE INDEX escalations_one_open ON escalations (conversation_id) WHERE resolved_at IS NULL;
CREATE INDEX escalations_open_by_manager ON escalations (manager_id) WHERE resolved_at IS NULL;
CREATE INDEX escalations_alert_due ON escalations (alert_next_attempt_at) WHERE alert_status IN ('pending', 'sending');

-- A manager handed the thread back to the bot. The worker resumes the graph with the note and the human
-- episode's transcript (messages with id in (from_message_id, to_message_id]), then sets consumed_at.
CREATE TABLE handbacks (
    id               bigserial PRIMARY KEY,
    conversation_id  bigint      NOT NULL REFERENCES conversations (id),
    escalation_id    bigint REFERENCES escalations (id),
    manager_id       text REFERENCES managers (id),
    note             text        NOT NULL DEFAULT '',
    from_message_id  bigint      NOT NULL DEFAULT 0,
    to_message_id    bigint      NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now(),
    consumed_at      timestamptz,
    consumed_turn_id text
);
CREATE INDEX handbacks_unconsumed ON handbacks (conversation_id, id) WHERE consumed_at IS NULL;

-- How far each manager has read each thread (unread counts in the inbox).
CREATE TABLE conversation_reads (
    manager_id           text   NOT NULL REFERENCES managers (id) ON DELETE CASCADE,
    conversation_id      bigint NOT NULL REFERENCES conversations (id),
    last_read_message_id bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (manager_id, conversation_id)
);

-- Alerts sent (or being sent) to Telegram, once per dedupe key across retries and processes.
CREATE TABLE alerts (
    dedupe_key   text PRIMARY KEY,
    status       text        NOT NULL DEFAULT 'claimed' CHECK (status IN ('claimed', 'sent')),
    claimed_at   timestamptz NOT NULL DEFAULT now(),
    sent_at      timestamptz,
    chat_id      bigint,
    message_ids  bigint[]    NOT NULL DEFAULT '{}'
);
