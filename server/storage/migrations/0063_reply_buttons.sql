-- Reply buttons (issue 13): a part may carry quick-reply buttons ([{"text", "payload"}]); the sender attaches them
-- where the channel supports them (WABA) and sends the plain text elsewhere, which already asks in words.
ALTER TABLE outbox ADD COLUMN buttons jsonb;
