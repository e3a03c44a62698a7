-- grants.sql: least-privilege roles for the two doors.
--
--   latchkey_pam     the PAM module and latchkeyctl nss-sync on every host
--                    (one login per host: `latchkeyctl host add NAME`)
--   latchkey_portal  the web portal (and its mail worker)
--
-- Neither role may UPDATE or DELETE auth_events (append-only), and neither
-- may run DDL: schema changes are `latchkeyctl migrate`, run as the schema
-- owner. Both may read schema_migrations, so they can check that the schema
-- is current.
--
-- How an admin applies it (after `latchkeyctl migrate`), as a user with
-- GRANT rights, in the latchkey database (GRANT ... ON <table> without a
-- schema name means the current database):
--
--   mariadb latchkey < sql/grants.sql      (or: latchkeyctl migrate --grants)
--
-- then creates the login users: one per host for the PAM role, which
-- `latchkeyctl host add NAME` prints (or runs, given a database admin
-- login):
--
--   CREATE USER 'lk_host_web1'@'%' IDENTIFIED BY PASSWORD '*...';
--   GRANT latchkey_pam TO 'lk_host_web1'@'%';
--   SET DEFAULT ROLE latchkey_pam FOR 'lk_host_web1'@'%';
--
-- and one for the portal:
--
--   CREATE USER 'portal'@'%' IDENTIFIED BY '...';
--   GRANT latchkey_portal TO 'portal'@'%';
--   SET DEFAULT ROLE latchkey_portal FOR 'portal'@'%';
--
-- A role's privileges apply only while it is active, hence SET DEFAULT
-- ROLE. Re-running this file is harmless: roles are created if missing and
-- GRANT adds to what is there. Apply it again after a migration that adds
-- a table a door needs.

CREATE ROLE IF NOT EXISTS latchkey_pam;
CREATE ROLE IF NOT EXISTS latchkey_portal;

-- latchkey_pam: authenticate, count failures, lock, change a password
-- (voiding reset tokens and portal sessions), use recovery codes, log.
-- Root on one host is not root of the fleet, so the role is narrow:
--   - users: every column but avatar (column-level SELECT; a column a later
--     migration adds must be added here if the PAM path reads it);
--   - no UPDATE of uid: uids are given on the admin side (latchkeyctl
--     user add, or nss-sync run with an admin or the owner's login);
--   - auth_events: INSERT only, so a host cannot read other hosts' logins
--     (`latchkeyctl audit tail` is an admin command);
--   - no access to hosts;
--   - mail_outbox: (user, kind, params) only (below).
-- Re-applying this file narrows a role that an older grants.sql made wider.
-- REVOKE of a privilege the role lacks is an error, so each one is granted
-- first; all of it stays in this schema (REVOKE ALL would strip the role in
-- every other schema on the server too).
GRANT SELECT ON auth_events TO latchkey_pam;
REVOKE SELECT ON auth_events FROM latchkey_pam;
GRANT SELECT ON users TO latchkey_pam;
REVOKE SELECT ON users FROM latchkey_pam;
GRANT UPDATE (uid) ON users TO latchkey_pam;
REVOKE UPDATE (uid) ON users FROM latchkey_pam;
GRANT SELECT (id, username, email, full_name, password_hash, is_active,
              email_verified_at, locked_until, failed_logins, lock_count,
              last_failed_at, last_locked_at, password_changed_at,
              password_expires_at, account_expires_at, totp_secret_enc,
              totp_last_step, avatar_type, uid, created_at, updated_at,
              last_login_at, admin_locked_until)
  ON users TO latchkey_pam;
GRANT UPDATE (password_hash, password_changed_at, password_expires_at,
              failed_logins, lock_count, locked_until, last_failed_at,
              last_locked_at, totp_last_step, last_login_at, updated_at)
  ON users TO latchkey_pam;
GRANT SELECT ON roles TO latchkey_pam;
GRANT SELECT ON user_roles TO latchkey_pam;
GRANT SELECT ON recovery_codes TO latchkey_pam;
GRANT UPDATE (used_at) ON recovery_codes TO latchkey_pam;
GRANT SELECT ON tokens TO latchkey_pam;
GRANT UPDATE (used_at) ON tokens TO latchkey_pam;
-- DELETE ... WHERE user_id = ? reads user_id, which needs SELECT on it.
GRANT SELECT (user_id), DELETE ON sessions TO latchkey_pam;
GRANT INSERT ON auth_events TO latchkey_pam;
GRANT SELECT, INSERT, UPDATE ON ip_failures TO latchkey_pam;
-- Lock state of names without an account (005): reserve, lock, prune.
GRANT SELECT, INSERT, UPDATE, DELETE ON name_lockouts TO latchkey_pam;
-- nss-sync run with a host's login reads which uids were ever given
-- (004_names); giving one (users.uid and its tombstone) is the admin side's.
GRANT SELECT ON given_uids TO latchkey_pam;
-- mail_outbox: INSERT of (user_id, kind, params) only, never of to_addr,
-- subject or body, so root on a host cannot mail anyone anything from the
-- trusted sender; the portal's worker renders the row from the user's
-- current row (verified address only). Column-level INSERT: a statement
-- naming any other column is refused (error 1143); columns it omits take
-- their defaults (NULL, attempts 0). No SELECT, so a host cannot read the
-- queue either.
GRANT INSERT ON mail_outbox TO latchkey_pam;
REVOKE INSERT ON mail_outbox FROM latchkey_pam;
GRANT INSERT (user_id, kind, params, created_at, next_attempt_at)
  ON mail_outbox TO latchkey_pam;
GRANT SELECT ON schema_migrations TO latchkey_pam;

-- latchkey_portal: accounts, sign-up, tokens, sessions, throttles, mail.
GRANT SELECT, INSERT, UPDATE, DELETE ON users TO latchkey_portal;
GRANT SELECT, INSERT, UPDATE, DELETE ON user_roles TO latchkey_portal;
GRANT SELECT, INSERT, UPDATE, DELETE ON tokens TO latchkey_portal;
GRANT SELECT, INSERT, UPDATE, DELETE ON recovery_codes TO latchkey_portal;
GRANT SELECT, INSERT, UPDATE, DELETE ON sessions TO latchkey_portal;
GRANT SELECT, INSERT, UPDATE, DELETE ON ip_failures TO latchkey_portal;
GRANT SELECT, INSERT, UPDATE, DELETE ON name_lockouts TO latchkey_portal;
GRANT SELECT, INSERT, UPDATE, DELETE ON mail_outbox TO latchkey_portal;
GRANT SELECT, INSERT, UPDATE, DELETE ON rate_limits TO latchkey_portal;
GRANT SELECT, INSERT, DELETE ON login_challenges TO latchkey_portal;
-- INSERT and DELETE on roles: the admin area creates and deletes roles.
GRANT SELECT, INSERT, DELETE ON roles TO latchkey_portal;
-- Fleet mode, host groups and access rules (issue 12, part "groups"): the
-- admin area's Hosts and Host groups pages manage groups and rules, move
-- hosts between groups, set may_reset_passwords and revoke hosts. No
-- INSERT or DELETE on hosts (adding a host is latchkeyctl's) and no UPDATE
-- of the token.
GRANT SELECT, INSERT, UPDATE, DELETE ON host_groups TO latchkey_portal;
GRANT SELECT, INSERT, UPDATE, DELETE ON host_access_rules TO latchkey_portal;
GRANT SELECT (id, name, kind, db_user, group_id, may_reset_passwords,
              created_at, last_seen_at, agent_version, revoked_at)
  ON hosts TO latchkey_portal;
GRANT UPDATE (group_id, may_reset_passwords, revoked_at)
  ON hosts TO latchkey_portal;
GRANT SELECT, INSERT ON auth_events TO latchkey_portal;
GRANT SELECT ON schema_migrations TO latchkey_portal;
-- The admin overview's rollup (013): the portal fills it as it reads it.
GRANT SELECT, INSERT, UPDATE, DELETE ON stats_hours TO latchkey_portal;
GRANT SELECT, INSERT, UPDATE, DELETE ON stats_hour_names TO latchkey_portal;
GRANT SELECT, INSERT, UPDATE ON stats_rollup TO latchkey_portal;
-- The directory service (fleet mode, issue 12 part "dir"): latchkey-portal's
-- [directory] listener looks hosts up by token and records when they call,
-- reads host groups, access rules and SSH keys. No INSERT on hosts: only
-- latchkeyctl adds hosts and tokens.
GRANT SELECT ON hosts TO latchkey_portal;
GRANT UPDATE (last_seen_at, agent_version) ON hosts TO latchkey_portal;
GRANT SELECT ON host_groups TO latchkey_portal;
GRANT SELECT ON host_access_rules TO latchkey_portal;
GRANT SELECT ON ssh_keys TO latchkey_portal;
