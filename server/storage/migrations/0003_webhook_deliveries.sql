-- Webhook bodies exactly as received, stored before we answer 200; the worker ingests them afterwards.
CREATE TABLE webhook_deliveries (
    id           bigserial PRIMARY KEY,
    body         jsonb       NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    processed_at timestamptz,
    report       jsonb
);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (id) WHERE processed_at IS NULL;
