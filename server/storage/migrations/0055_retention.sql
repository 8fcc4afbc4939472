-- Media and quotation PDF retention (issue 16, server/worker/jobs/retention.py): the file is deleted from
-- storage after its retention period; the row stays, saying when, so the inbox shows "file expired" and
-- the routes answer 410 Gone instead of a missing-file error.
ALTER TABLE media ADD COLUMN expired_at timestamptz;
ALTER TABLE quotes ADD COLUMN pdf_expired_at timestamptz;
CREATE INDEX media_to_expire ON media (downloaded_at) WHERE storage_key IS NOT NULL AND expired_at IS NULL;
