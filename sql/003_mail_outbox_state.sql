-- 003_mail_outbox_state: a mail that could not be delivered for two days is
-- marked failed (kept, never deleted, so an admin can see what was lost).
ALTER TABLE mail_outbox
  ADD COLUMN failed_at DATETIME(6) NULL AFTER sent_at,
  ADD KEY mail_outbox_failed (failed_at);
