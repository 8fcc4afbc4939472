-- Prompt versions an admin activates (issue 12; server/desk/prompt_versions.py). A prompt without a row in
-- active_prompts runs with what its file in prompts/ holds; a row makes the workers run with that stored version.
-- Every activation and roll back is kept in prompt_activations: who, when, from which version to which.
CREATE TABLE active_prompts (
    name         text PRIMARY KEY,
    version      text        NOT NULL REFERENCES prompt_texts (version),
    activated_by text REFERENCES managers (id),
    activated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE prompt_activations (
    id           bigserial PRIMARY KEY,
    name         text        NOT NULL,
    from_version text,                  -- NULL: the file's text was in use
    to_version   text,                  -- NULL: back to the file's text
    undoes       bigint REFERENCES prompt_activations (id),  -- set on a roll back: the activation it undid
    activated_by text REFERENCES managers (id),
    activated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX prompt_activations_by_name ON prompt_activations (name, id DESC);

-- The offline templates' texts were recorded as Python reprs; from now on the TOML itself (it can be activated).
DELETE FROM prompt_texts WHERE name LIKE 'offline-%' AND text LIKE '{%';
