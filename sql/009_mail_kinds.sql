-- 009_mail_kinds: a host queues a security mail as (user, kind, params),
-- never as free text, so root on one host cannot send a mail of its
-- choosing from the trusted sender (issue 9, section 8). The portal's mail
-- worker renders such a row (to_addr, subject, body) from the user's
-- current row at send time; a row the worker cannot render (no verified
-- address, user deleted, unknown kind) is marked failed with the reason in
-- last_error. Mails the portal writes itself keep to_addr/subject/body and
-- leave kind NULL.
--
-- One table rather than a separate requests table: the worker drains one
-- queue, with one claim, one retry and one give-up rule, and Stats/admins
-- see every mail in one place.
ALTER TABLE mail_outbox
  ADD COLUMN user_id BIGINT UNSIGNED NULL AFTER id,
  ADD COLUMN kind VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NULL
    AFTER user_id,
  ADD COLUMN params VARCHAR(1024) CHARACTER SET ascii COLLATE ascii_bin NULL
    AFTER kind,
  MODIFY COLUMN to_addr VARCHAR(254) NULL,
  MODIFY COLUMN subject VARCHAR(255) NULL,
  MODIFY COLUMN body MEDIUMTEXT NULL;
