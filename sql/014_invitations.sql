-- 014_invitations: an admin invites a new account (issue 11, account/
-- invitation.h). The invitee gets a mail with a one-use link whose token
-- has its own purpose, 'invite', so an invitation link never works as a
-- reset link or an activation link, and the other way round. Only the
-- token's SHA-256 is stored, as for every other purpose.
ALTER TABLE tokens MODIFY COLUMN purpose
  ENUM('activate', 'reset', 'email_change', 'invite') NOT NULL;
