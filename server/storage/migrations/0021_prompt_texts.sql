-- The text of every prompt version a worker has run with (server/desk/prompt_versions.py), so that versions can be
-- compared after the files changed. Messages keep only the version ("system.ar@1a2b…"); this keeps its words.
CREATE TABLE prompt_texts (
    version       text PRIMARY KEY,
    name          text        NOT NULL,
    text          text        NOT NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now()
);
