-- 007_hosts: every host that runs the PAM module is a row here, with its
-- own database login (direct mode: `latchkeyctl host add NAME`), so one
-- host can be revoked without touching the others. A later fleet mode adds
-- its credentials to this same table (kind = 'fleet').
CREATE TABLE hosts (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  kind ENUM('direct', 'fleet') NOT NULL DEFAULT 'direct',
  db_user VARCHAR(80) CHARACTER SET ascii COLLATE ascii_bin NULL,
  created_at DATETIME(6) NOT NULL,
  last_seen_at DATETIME(6) NULL,
  revoked_at DATETIME(6) NULL,
  UNIQUE KEY hosts_name (name),
  UNIQUE KEY hosts_db_user (db_user)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
