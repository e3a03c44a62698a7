-- 015_fleet: fleet mode (docs/fleet.md). Hosts in fleet mode hold no
-- database login: they reach the directory service (latchkey-portal's
-- [directory] listener) with a per-host token, and the directory decides
-- with host groups and access rules which roles may log in where.
--
-- Migration numbers 016 to 019 are kept for the parts of fleet mode that
-- need one of their own.

-- A host group: the unit access rules name. A group with no rule admits
-- nobody (as Kanidm's pam_allowed_login_groups).
CREATE TABLE host_groups (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  description VARCHAR(255) NOT NULL DEFAULT '',
  created_at DATETIME(6) NOT NULL,
  UNIQUE KEY host_groups_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Fleet hosts: kind = 'fleet', no db_user, a token whose SHA-256 is kept
-- (the token is 256 random bits, so one hash round is enough; it is
-- written once to a 0600 file for the host). may_reset_passwords: the host
-- may set a user's password without the old one (root there is then root
-- over those users). last_seen_at and agent_version are refreshed by the
-- directory when the host calls.
ALTER TABLE hosts
  ADD COLUMN group_id BIGINT UNSIGNED NULL AFTER kind,
  ADD COLUMN token_sha256 BINARY(32) NULL AFTER db_user,
  ADD COLUMN may_reset_passwords TINYINT(1) NOT NULL DEFAULT 0 AFTER token_sha256,
  ADD COLUMN agent_version VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL AFTER last_seen_at,
  ADD UNIQUE KEY hosts_token (token_sha256),
  ADD KEY hosts_group (group_id),
  ADD CONSTRAINT hosts_group_fk FOREIGN KEY (group_id) REFERENCES host_groups (id);

-- Which role may log in to which host group; service '' = every service,
-- else a PAM service name (sshd, sudo, login, ...). A user is admitted on
-- a host when a rule of the host's group names one of the user's roles and
-- the service (or '').
CREATE TABLE host_access_rules (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  group_id BIGINT UNSIGNED NOT NULL,
  role_id INT UNSIGNED NOT NULL,
  service VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
  created_at DATETIME(6) NOT NULL,
  UNIQUE KEY host_access_rules_rule (group_id, role_id, service),
  KEY host_access_rules_role (role_id),
  CONSTRAINT host_access_rules_group FOREIGN KEY (group_id)
    REFERENCES host_groups (id) ON DELETE CASCADE,
  CONSTRAINT host_access_rules_role FOREIGN KEY (role_id)
    REFERENCES roles (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Users' SSH public keys, served to sshd through the agent
-- (AuthorizedKeysCommand latchkey-ssh-keys %u). public_key is the
-- base64 blob of the key as it appears in authorized_keys; fingerprint is
-- OpenSSH's "SHA256:<unpadded base64>" of the decoded blob.
CREATE TABLE ssh_keys (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id BIGINT UNSIGNED NOT NULL,
  algorithm VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  public_key TEXT CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  fingerprint VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  comment VARCHAR(255) NOT NULL DEFAULT '',
  created_at DATETIME(6) NOT NULL,
  expires_at DATETIME(6) NULL,
  UNIQUE KEY ssh_keys_user_fingerprint (user_id, fingerprint),
  CONSTRAINT ssh_keys_user FOREIGN KEY (user_id) REFERENCES users (id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Which host an audit row came through (fleet mode), NULL for the portal,
-- the CLI and direct-mode hosts.
ALTER TABLE auth_events
  ADD COLUMN host VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL;
