-- 001_init: the starting tables. All times are UTC (the core sets the
-- session time zone to +00:00 and binds times from its own clock).

CREATE TABLE users (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  username VARCHAR(32) NOT NULL,
  email VARCHAR(254) NOT NULL,
  full_name VARCHAR(200) NOT NULL DEFAULT '',
  password_hash VARCHAR(512) NOT NULL,
  is_active TINYINT(1) NOT NULL DEFAULT 1,
  email_verified_at DATETIME(6) NULL,
  locked_until DATETIME(6) NULL,
  failed_logins INT UNSIGNED NOT NULL DEFAULT 0,
  lock_count INT UNSIGNED NOT NULL DEFAULT 0,
  last_failed_at DATETIME(6) NULL,
  last_locked_at DATETIME(6) NULL,
  password_changed_at DATETIME(6) NULL,
  password_expires_at DATETIME(6) NULL,
  account_expires_at DATETIME(6) NULL,
  totp_secret_enc VARBINARY(256) NULL,
  totp_last_step BIGINT NULL,
  avatar MEDIUMBLOB NULL,
  avatar_type VARCHAR(32) NULL,
  uid INT UNSIGNED NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  last_login_at DATETIME(6) NULL,
  UNIQUE KEY users_username (username),
  UNIQUE KEY users_email (email),
  UNIQUE KEY users_uid (uid)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE roles (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(64) NOT NULL,
  description VARCHAR(255) NOT NULL DEFAULT '',
  UNIQUE KEY roles_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

INSERT INTO roles (name, description) VALUES
  ('admin', 'administers latchkey accounts'),
  ('user', 'an ordinary account');

CREATE TABLE user_roles (
  user_id BIGINT UNSIGNED NOT NULL,
  role_id INT UNSIGNED NOT NULL,
  PRIMARY KEY (user_id, role_id),
  KEY user_roles_role (role_id),
  CONSTRAINT user_roles_user FOREIGN KEY (user_id) REFERENCES users (id)
    ON DELETE CASCADE,
  CONSTRAINT user_roles_role FOREIGN KEY (role_id) REFERENCES roles (id)
    ON DELETE CASCADE
) ENGINE=InnoDB;

-- The token itself is never stored: only its SHA-256.
CREATE TABLE tokens (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id BIGINT UNSIGNED NOT NULL,
  purpose ENUM('activate', 'reset', 'email_change') NOT NULL,
  token_sha256 BINARY(32) NOT NULL,
  payload VARCHAR(254) NULL,
  created_at DATETIME(6) NOT NULL,
  expires_at DATETIME(6) NOT NULL,
  used_at DATETIME(6) NULL,
  UNIQUE KEY tokens_hash (token_sha256),
  KEY tokens_user_purpose (user_id, purpose),
  CONSTRAINT tokens_user FOREIGN KEY (user_id) REFERENCES users (id)
    ON DELETE CASCADE
) ENGINE=InnoDB;

-- One-time recovery codes, stored as HMAC-SHA256 under the secret key.
CREATE TABLE recovery_codes (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id BIGINT UNSIGNED NOT NULL,
  code_hash BINARY(32) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  used_at DATETIME(6) NULL,
  UNIQUE KEY recovery_codes_hash (user_id, code_hash),
  CONSTRAINT recovery_codes_user FOREIGN KEY (user_id) REFERENCES users (id)
    ON DELETE CASCADE
) ENGINE=InnoDB;

CREATE TABLE sessions (
  id_sha256 BINARY(32) NOT NULL PRIMARY KEY,
  user_id BIGINT UNSIGNED NOT NULL,
  created_at DATETIME(6) NOT NULL,
  last_seen_at DATETIME(6) NOT NULL,
  expires_at DATETIME(6) NOT NULL,
  reauth_at DATETIME(6) NULL,
  ip VARCHAR(45) NOT NULL DEFAULT '',
  user_agent VARCHAR(255) NOT NULL DEFAULT '',
  csrf_secret BINARY(32) NOT NULL,
  KEY sessions_user (user_id),
  KEY sessions_expires (expires_at),
  CONSTRAINT sessions_user FOREIGN KEY (user_id) REFERENCES users (id)
    ON DELETE CASCADE
) ENGINE=InnoDB;

-- Append-only: the application roles get INSERT and SELECT, never UPDATE
-- or DELETE (see grants.sql).
CREATE TABLE auth_events (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  ts DATETIME(6) NOT NULL,
  user_id BIGINT UNSIGNED NULL,
  username_tried VARCHAR(64) NOT NULL DEFAULT '',
  event VARCHAR(32) NOT NULL,
  service VARCHAR(32) NOT NULL DEFAULT '',
  rhost VARCHAR(255) NOT NULL DEFAULT '',
  tty VARCHAR(64) NOT NULL DEFAULT '',
  outcome VARCHAR(16) NOT NULL,
  detail VARCHAR(255) NOT NULL DEFAULT '',
  KEY auth_events_ts (ts),
  KEY auth_events_user (user_id, ts),
  KEY auth_events_event (event, ts)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Failures per remote address in a fixed window.
CREATE TABLE ip_failures (
  ip VARCHAR(255) NOT NULL PRIMARY KEY,
  window_start DATETIME(6) NOT NULL,
  failures INT UNSIGNED NOT NULL DEFAULT 0
) ENGINE=InnoDB;

CREATE TABLE mail_outbox (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  to_addr VARCHAR(254) NOT NULL,
  subject VARCHAR(255) NOT NULL,
  body MEDIUMTEXT NOT NULL,
  created_at DATETIME(6) NOT NULL,
  attempts INT UNSIGNED NOT NULL DEFAULT 0,
  next_attempt_at DATETIME(6) NOT NULL,
  sent_at DATETIME(6) NULL,
  last_error VARCHAR(512) NULL,
  KEY mail_outbox_pending (sent_at, next_attempt_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
