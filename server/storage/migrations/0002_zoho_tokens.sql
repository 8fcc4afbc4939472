-- Zoho OAuth access tokens, one row per product ('inventory', 'crm'), shared by every process.
-- Refreshes happen under pg_advisory_xact_lock (tools/zoho/oauth.py), only when the token is missing or
-- within 60 s of expiry, and never more than 10 per 10 minutes per refresh token (Zoho's own limit).

CREATE TABLE zoho_tokens (
    product            text PRIMARY KEY,
    -- sha256 of the refresh token (never the token itself): a new refresh token discards the cached row,
    -- and products sharing one refresh token share its refresh budget.
    refresh_token_hash text        NOT NULL,
    access_token       text,
    api_domain         text,
    scope              text,
    expires_at         timestamptz,
    refreshed_at       timestamptz,
    -- every refresh attempt sent to Zoho in the last 10 minutes (the budget window)
    refresh_attempts   timestamptz[] NOT NULL DEFAULT '{}',
    refresh_count      bigint      NOT NULL DEFAULT 0,
    blocked_until      timestamptz,
    last_error         text,
    last_error_at      timestamptz,
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX zoho_tokens_by_refresh_token ON zoho_tokens (refresh_token_hash);
