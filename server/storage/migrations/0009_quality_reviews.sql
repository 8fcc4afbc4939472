-- Conversation quality control (issue 12): what each bot message was allowed to state, and the reviews.

-- The facts of the turn that wrote a bot message (its tool results: catalog, stock, prices, quotation totals,
-- knowledge answers), so a reviewer can check every figure the message states. NULL on messages written
-- before this column existed and on messages not written by the bot.
ALTER TABLE messages ADD COLUMN facts jsonb;

-- One review per conversation episode and reviewer ('offline', 'llm:<model>'). A re-review replaces the row
-- (and bumps revision): the row always holds the latest review of the episode's latest span.
CREATE TABLE quality_reviews (
    id               bigserial PRIMARY KEY,
    conversation_id  bigint      NOT NULL REFERENCES conversations (id),
    episode          integer     NOT NULL CHECK (episode >= 1),
    reviewer         text        NOT NULL,
    reviewer_version text        NOT NULL,
    checklist        text        NOT NULL,
    first_message_id bigint,
    last_message_id  bigint,
    total            integer     NOT NULL,     -- points scored on the judged rules
    available        integer     NOT NULL,     -- points the judged rules were worth
    maximum          integer     NOT NULL,     -- the checklist's full score (30)
    share            real,                     -- total / available; NULL when no rule was judged
    summary          text        NOT NULL DEFAULT '',
    rules            jsonb       NOT NULL,     -- agent/quality/review.py RuleScore, one per checklist rule
    revision         integer     NOT NULL DEFAULT 1,
    reviewed_at      timestamptz NOT NULL DEFAULT now(),
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (conversation_id, episode, reviewer)
);
CREATE INDEX quality_reviews_by_share ON quality_reviews (share, reviewed_at DESC) WHERE share IS NOT NULL;
CREATE INDEX quality_reviews_recent ON quality_reviews (reviewed_at DESC);
