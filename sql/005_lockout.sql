-- 005_lockout: two kinds of lock, and lock state for names that do not
-- exist (issue 9).
--
-- users.locked_until stays the automatic password lock: it guards the
-- password factor only. An admin lock (latchkeyctl user lock, the admin
-- area) is admin_locked_until: the PAM account phase refuses it, so it also
-- stops key-based logins.
ALTER TABLE users ADD COLUMN admin_locked_until DATETIME(6) NULL
  AFTER locked_until;

-- Locks an admin set before this migration: "until unlocked" (year 9999),
-- or any lock without a lock count (a password lock always has one).
UPDATE users SET admin_locked_until = locked_until, locked_until = NULL
  WHERE locked_until IS NOT NULL
    AND (locked_until >= '9999-01-01' OR lock_count = 0);

-- The lockout of login names that match no account, so a name that does
-- not exist locks, answers and costs time like one that does. The key is
-- HMAC-SHA256 of the name tried under the secret key (never the name
-- itself). Rows expire (expires_at) and the core deletes expired rows, and
-- the oldest ones beyond a fixed cap, as it goes (see throttle.h).
CREATE TABLE name_lockouts (
  name_hash BINARY(32) NOT NULL PRIMARY KEY,
  failed_logins INT UNSIGNED NOT NULL DEFAULT 0,
  lock_count INT UNSIGNED NOT NULL DEFAULT 0,
  last_failed_at DATETIME(6) NULL,
  last_locked_at DATETIME(6) NULL,
  locked_until DATETIME(6) NULL,
  expires_at DATETIME(6) NOT NULL,
  KEY name_lockouts_expires (expires_at)
) ENGINE=InnoDB;
