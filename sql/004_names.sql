-- 004_names: a name is latchkey's only where it is latchkey's, and a uid is
-- given once.
--
-- Usernames and emails compare exactly. utf8mb4_bin is a PAD SPACE
-- collation: it compares 'alice ' equal to 'alice', so a lookup of a padded
-- name found the account. utf8mb4_nopad_bin compares byte for byte; the
-- unique keys stay.
ALTER TABLE users
  MODIFY username VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin
    NOT NULL,
  MODIFY email VARCHAR(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin
    NOT NULL;

-- Every uid ever given to an account (nss-sync writes the row in the same
-- transaction as users.uid). Rows are never deleted, so a deleted account's
-- uid is not given to a new account, which would otherwise inherit the old
-- one's files on every host. The username is kept for the admin who finds
-- files owned by a number nobody holds.
CREATE TABLE given_uids (
  uid INT UNSIGNED NOT NULL PRIMARY KEY,
  username VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin
    NOT NULL,
  given_at DATETIME(6) NOT NULL
) ENGINE=InnoDB;

INSERT INTO given_uids (uid, username, given_at)
  SELECT uid, username, UTC_TIMESTAMP(6) FROM users WHERE uid IS NOT NULL;
