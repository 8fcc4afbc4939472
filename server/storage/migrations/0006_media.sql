-- Media customers send (voice notes, photos, floor plans, documents): one row per inbound media message,
-- written by server/media.py before the turn that answers it. The bytes live in a MediaStore
-- (tools/media/store.py; local files under <data_dir>/media, addressed by sha256); this is their record.

CREATE TABLE media (
    id                    bigserial PRIMARY KEY,
    message_id            bigint      NOT NULL UNIQUE REFERENCES messages (id),
    conversation_id       bigint      NOT NULL REFERENCES conversations (id),
    kind                  text        NOT NULL,              -- Wazzup's message type: audio, image, document, video
    source_uri            text        NOT NULL,              -- the contentUri it came from
    status                text        NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'downloaded', 'failed', 'too_large')),
    attempts              integer     NOT NULL DEFAULT 0,    -- download attempts, all rounds together
    error                 text,
    sha256                text,
    size_bytes            bigint,
    content_type          text,                              -- from the bytes (magic numbers)
    declared_content_type text,                              -- what the server said
    file_name             text,
    storage               text,                              -- which MediaStore holds it ('local', 's3'...)
    storage_key           text,
    category              text,                              -- voice, floor_plan, drawing, tender, photo, document, video, other
    classification        jsonb,                             -- signals, reason code, text excerpt
    vision                jsonb,                             -- image search slots (category, colour, material, style)
    transcription_status  text
        CHECK (transcription_status IN ('transcribed', 'failed', 'unavailable', 'too_large')),
    transcript            text,
    transcript_language   text,
    transcript_provider   text,
    transcript_model      text,
    transcription_error   text,
    created_at            timestamptz NOT NULL DEFAULT now(),
    downloaded_at         timestamptz,
    updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX media_by_conversation ON media (conversation_id, id);
CREATE INDEX media_by_sha256 ON media (sha256) WHERE sha256 IS NOT NULL;
CREATE INDEX media_needing_attention ON media (conversation_id) WHERE status IN ('failed', 'too_large');

-- The transcript of a voice note also sits on its message, so the transcript view reads like a chat.
ALTER TABLE messages ADD COLUMN transcript text;
