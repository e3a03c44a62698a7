-- 010_admin_reauth: the admin area's own re-authentication window (issue
-- 11). A state-changing admin action needs the password AND a TOTP code
-- re-entered within the window (account/reauth.h, kReauthWindow), so the
-- password-only re-authentication of /security (reauth_at) does not open
-- it. Setting admin_reauth_at also sets reauth_at: password and code prove
-- more than the password alone.
ALTER TABLE sessions ADD COLUMN admin_reauth_at DATETIME(6) NULL
  AFTER reauth_at;
