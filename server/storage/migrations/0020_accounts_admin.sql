-- Accounts and the admin (issue 12). `managers.role` stays the job title people read; `access` is what the account
-- may do: manager (the inbox), head_of_sales (also KPIs, reports, low-score alerts), admin (also accounts and
-- settings). A disabled account cannot sign in and its sessions end.
ALTER TABLE managers ADD COLUMN access text NOT NULL DEFAULT 'manager'
    CHECK (access IN ('manager', 'head_of_sales', 'admin'));
ALTER TABLE managers ADD COLUMN disabled_at timestamptz;

-- Settings the client tunes at run time (server/desk/runtime_settings.py names and validates them); a key absent
-- here takes its value from server/settings.py. Every change is kept in settings_audit.
CREATE TABLE runtime_settings (
    key        text PRIMARY KEY,
    value      jsonb       NOT NULL,
    updated_by text REFERENCES managers (id),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE settings_audit (
    id         bigserial PRIMARY KEY,
    key        text        NOT NULL,
    old_value  jsonb,                 -- NULL: it was the configured default
    new_value  jsonb,                 -- NULL: reset to the configured default
    changed_by text REFERENCES managers (id),
    changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX settings_audit_recent ON settings_audit (changed_at DESC, id DESC);
