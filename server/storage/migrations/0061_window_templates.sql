-- The WhatsApp Business 24-hour window (issue 13). A part may be a WABA template (its id and values; `text`
-- keeps what the customer reads, for the transcript), and a free-text part that would leave after the window
-- closed waits as 'held' instead of being refused by Wazzup.
ALTER TABLE outbox ADD COLUMN template_id text, ADD COLUMN template_values jsonb;
ALTER TABLE outbox DROP CONSTRAINT outbox_status_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check
    CHECK (status IN ('pending', 'sending', 'sent', 'delivered', 'read', 'error', 'failed', 'held'));
