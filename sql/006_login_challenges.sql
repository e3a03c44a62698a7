-- The portal's pending second-factor challenges, kept on the server: the
-- browser holds only a random id (the lk_2fa cookie), whose SHA-256 is the
-- key here. A challenge is bound to the browser that passed the password
-- step (browser_sha256: SHA-256 of its lk_pre pre-session cookie), used up
-- by the first code attempt (one DELETE), and good for 5 minutes
-- (kChallengeTtl). Each field of SecondFactorChallenge is a column.
CREATE TABLE login_challenges (
  id_sha256 BINARY(32) NOT NULL PRIMARY KEY,
  browser_sha256 BINARY(32) NOT NULL,
  user_id BIGINT UNSIGNED NOT NULL,
  username VARCHAR(32) NOT NULL,
  issued_at BIGINT NOT NULL,   -- Unix seconds
  expires_at BIGINT NOT NULL,  -- Unix seconds
  -- Whether the password step before it was right: the code step is shown
  -- either way, and only the server knows which.
  password_ok TINYINT(1) NOT NULL DEFAULT 0,
  KEY login_challenges_expires (expires_at),
  CONSTRAINT login_challenges_user FOREIGN KEY (user_id) REFERENCES users (id)
    ON DELETE CASCADE
) ENGINE=InnoDB;
