-- Follow-ups (issue 13): one reminder after a quotation nobody answered, one nudge after products were discussed
-- without a quotation. Scheduled here, claimed FOR UPDATE SKIP LOCKED by any worker, sent through the outbox
-- (id 'fu-<id>', so a retry is Wazzup's repeated crmMessageId, never a second message).
-- subject_key makes "one" true: one row per quotation and one per conversation's cart, whatever happens after.
ALTER TABLE conversations ADD COLUMN opted_out_at timestamptz;

CREATE TABLE followups (
    id              bigserial PRIMARY KEY,
    conversation_id bigint      NOT NULL REFERENCES conversations (id),
    kind            text        NOT NULL CHECK (kind IN ('quote_reminder', 'cart_nudge')),
    subject_key     text        NOT NULL UNIQUE,
    quote_id        text,
    due_at          timestamptz NOT NULL,
    status          text        NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sent', 'cancelled', 'superseded', 'skipped')),
    reason          text,
    outbox_id       text,
    sent_as         text CHECK (sent_as IN ('text', 'template')),
    cancelled_by    text,
    crm_noted_at    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT noor_now(),
    updated_at      timestamptz NOT NULL DEFAULT noor_now()
);
CREATE INDEX followups_due ON followups (due_at) WHERE status = 'pending';
CREATE INDEX followups_by_conversation ON followups (conversation_id, id);
CREATE INDEX followups_to_note ON followups (id) WHERE status = 'sent' AND crm_noted_at IS NULL;
