-- Failed sign-ins of the managers' inbox and API (server/desk/login_throttle.py): too many for one account or from
-- one address within the window and sign-in is refused (429 with Retry-After) without checking the password.
CREATE TABLE login_failures (
    id        bigserial PRIMARY KEY,
    account   text        NOT NULL,  -- the login as typed, lower-cased: an e-mail or a manager id
    ip        text,
    failed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_account ON login_failures (account, failed_at);
CREATE INDEX login_failures_ip ON login_failures (ip, failed_at);
