-- The messages that carried a quotation PDF retention deleted (server/worker/jobs/retention.py): the inbox
-- shows "File expired" in place of the link.
ALTER TABLE messages ADD COLUMN file_expired_at timestamptz;
