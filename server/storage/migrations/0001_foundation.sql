-- The message pipeline: conversations, the transcript, raw webhook events, turns and the outbox.

CREATE TABLE conversations (
    id              bigserial PRIMARY KEY,
    channel_id      text        NOT NULL,
    chat_id         text        NOT NULL,
    chat_type       text        NOT NULL DEFAULT 'whatsapp',
    thread_id       text        NOT NULL UNIQUE,
    mode            text        NOT NULL DEFAULT 'bot' CHECK (mode IN ('bot', 'human')),
    mode_reason     text,
    mode_changed_at timestamptz,
    language        text,
    next_turn_at    timestamptz,
    customer_name   text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    last_inbound_at timestamptz,
    UNIQUE (channel_id, chat_id)
);

-- Every webhook item as received, once: the dedupe key is derived from the provider's ids only,
-- so a redelivery with altered JSON is still recognised.
CREATE TABLE inbox_events (
    id          bigserial PRIMARY KEY,
    dedupe_key  text        NOT NULL UNIQUE,
    kind        text        NOT NULL,
    chat_id     text,
    payload     jsonb       NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX inbox_events_status_by_message ON inbox_events ((payload ->> 'messageId')) WHERE kind = 'status';

CREATE TABLE turns (
    id              text PRIMARY KEY,
    conversation_id bigint      NOT NULL REFERENCES conversations (id),
    inbound_ids     bigint[]    NOT NULL,
    started_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    attempts        integer     NOT NULL DEFAULT 1,
    error           text
);

-- The transcript. Inbound customer messages double as the work queue: status 'pending' until a turn
-- answers them ('answered'), or a person holds the thread ('held').
CREATE TABLE messages (
    id                  bigserial PRIMARY KEY,
    conversation_id     bigint      NOT NULL REFERENCES conversations (id),
    direction           text        NOT NULL CHECK (direction IN ('in', 'out')),
    author              text        NOT NULL CHECK (author IN ('customer', 'bot', 'manager')),
    kind                text        NOT NULL DEFAULT 'text',
    text                text,
    content_uri         text,
    provider_message_id text,
    provider_time       timestamptz,
    status              text        NOT NULL,
    turn_id             text REFERENCES turns (id),
    outbox_id           text,
    model               text,
    prompt_version      text,
    prompt_tokens       integer,
    completion_tokens   integer,
    cost                numeric(12, 6),
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX messages_provider_message_id ON messages (provider_message_id)
    WHERE provider_message_id IS NOT NULL;
CREATE INDEX messages_pending ON messages (conversation_id, id) WHERE status = 'pending';
CREATE INDEX messages_by_conversation ON messages (conversation_id, id);

-- Outbound parts. The id is stable and doubles as Wazzup's crmMessageId, so a retry never sends twice.
CREATE TABLE outbox (
    id                  text PRIMARY KEY,
    seq                 bigserial   NOT NULL,
    conversation_id     bigint      NOT NULL REFERENCES conversations (id),
    turn_id             text,
    kind                text        NOT NULL DEFAULT 'text',
    text                text,
    content_uri         text,
    status              text        NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sending', 'sent', 'delivered', 'read', 'error', 'failed')),
    attempts            integer     NOT NULL DEFAULT 0,
    next_attempt_at     timestamptz NOT NULL DEFAULT now(),
    lease_until         timestamptz,
    provider_message_id text UNIQUE,
    last_error          text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    sent_at             timestamptz,
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK ((text IS NULL) <> (content_uri IS NULL))
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status IN ('pending', 'sending');
CREATE INDEX outbox_by_conversation ON outbox (conversation_id, seq);
