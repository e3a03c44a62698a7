-- 011_user_search: the admin users list (issue 11) searches by prefix of
-- username, email or full name, case-insensitively, filters and sorts with
-- keyset paging, and must stay fast at 1M users (bench/scale).
--
-- username is lower-case by rule and email is stored lower-case, and both
-- have unique keys in a byte-wise collation that serve `LIKE 'pre%'`.
-- full_name is mixed case, and LOWER(full_name) LIKE cannot use an index:
-- full_name_lc is its lower-case copy, kept by the server, with a key.
--
-- Sorting: created_at or last_login_at, newest first, id as tie-breaker,
-- so a page is a range scan of one key from the cursor on (a NULL
-- last_login_at, never signed in, sorts last when read backwards).
--
-- Filters that can be selective get a key, so a rare state (locked now,
-- inactive, unverified, TOTP on) is a range read and not a table scan:
-- locked_until / admin_locked_until > now, is_active, email_verified_at IS
-- NULL, and has_totp (whether totp_secret_enc is set). The role filter
-- reads user_roles by role (user_roles_role).
ALTER TABLE users
  ADD COLUMN full_name_lc VARCHAR(200) CHARACTER SET utf8mb4
    COLLATE utf8mb4_nopad_bin AS (LOWER(full_name)) PERSISTENT,
  ADD COLUMN has_totp TINYINT(1) AS (totp_secret_enc IS NOT NULL) PERSISTENT,
  ADD KEY users_full_name_lc (full_name_lc),
  ADD KEY users_created (created_at, id),
  ADD KEY users_last_login (last_login_at, id),
  ADD KEY users_locked (locked_until),
  ADD KEY users_admin_locked (admin_locked_until),
  ADD KEY users_active (is_active, created_at, id),
  ADD KEY users_verified (email_verified_at),
  ADD KEY users_totp (has_totp, created_at, id);
