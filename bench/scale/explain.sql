-- The query shapes of UserSearch::Find (shared/src/store/user_search.cc)
-- with sample values, for EXPLAIN in a sandbox kept by bench_scale --keep:
--   bash scripts/lib/mariadb-sandbox.sh sql DIR latchkey < bench/scale/explain.sql
-- The core binds the values (text as binary strings, hence CONVERT); here
-- they are literals. ROLES stands for the per-row role list of the select.

-- 1. The capped count of a prefix search: one key range per column.
EXPLAIN SELECT COUNT(*) FROM (
  (SELECT u.id FROM users u WHERE u.username LIKE (LOWER(CONVERT(_binary'mar%' USING utf8mb4)) COLLATE utf8mb4_nopad_bin) ESCAPE '!' LIMIT 10001)
  UNION (SELECT u.id FROM users u WHERE u.email LIKE (LOWER(CONVERT(_binary'mar%' USING utf8mb4)) COLLATE utf8mb4_nopad_bin) ESCAPE '!' LIMIT 10001)
  UNION (SELECT u.id FROM users u WHERE u.full_name_lc LIKE (LOWER(CONVERT(_binary'mar%' USING utf8mb4)) COLLATE utf8mb4_nopad_bin) ESCAPE '!' LIMIT 10001)) t;

-- 2. A page of a prefix search with few matches (< 5,000): the prefix keys
--    (index_merge sort_union), then a sort of the matches.
EXPLAIN SELECT u.id, u.username, (SELECT GROUP_CONCAT(r.name ORDER BY r.name SEPARATOR ',') FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = u.id) AS roles, u.created_at
  FROM users u WHERE 1=1 AND (
    u.username LIKE (LOWER(CONVERT(_binary'mary!_lopez1%' USING utf8mb4)) COLLATE utf8mb4_nopad_bin) ESCAPE '!'
    OR u.email LIKE (LOWER(CONVERT(_binary'mary!_lopez1%' USING utf8mb4)) COLLATE utf8mb4_nopad_bin) ESCAPE '!'
    OR u.full_name_lc LIKE (LOWER(CONVERT(_binary'mary!_lopez1%' USING utf8mb4)) COLLATE utf8mb4_nopad_bin) ESCAPE '!')
  ORDER BY u.created_at DESC, u.id DESC LIMIT 51;

-- 3. A page of a prefix search with many matches (>= 5,000): the sort key
--    read backwards, filtered as it goes, stopping after 51 rows (the core
--    adds ROWS EXAMINED 20000 and, when the scan ends short, reads the page
--    as in 2 with IGNORE INDEX (users_created, users_last_login)).
EXPLAIN SELECT u.id, u.username, u.created_at FROM users u FORCE INDEX (users_created) WHERE 1=1 AND (
    u.username LIKE (LOWER(CONVERT(_binary'm%' USING utf8mb4)) COLLATE utf8mb4_nopad_bin) ESCAPE '!'
    OR u.email LIKE (LOWER(CONVERT(_binary'm%' USING utf8mb4)) COLLATE utf8mb4_nopad_bin) ESCAPE '!'
    OR u.full_name_lc LIKE (LOWER(CONVERT(_binary'm%' USING utf8mb4)) COLLATE utf8mb4_nopad_bin) ESCAPE '!')
  ORDER BY u.created_at DESC, u.id DESC LIMIT 51;

-- 4. With an '@': emails only.
EXPLAIN SELECT COUNT(*) FROM ((SELECT u.id FROM users u WHERE u.email LIKE (LOWER(CONVERT(_binary'mary.lopez12@%' USING utf8mb4)) COLLATE utf8mb4_nopad_bin) ESCAPE '!' LIMIT 10001)) t;

-- 5. The capped count of a filter: a rare state is a key range.
EXPLAIN SELECT COUNT(*) FROM (SELECT u.id FROM users u WHERE 1=1 AND u.admin_locked_until > UTC_TIMESTAMP(6) LIMIT 10001) t;
EXPLAIN SELECT COUNT(*) FROM (SELECT u.id FROM users u WHERE 1=1 AND u.is_active = 0 AND u.email_verified_at IS NULL LIMIT 10001) t;

-- 6. A page of a rare state: its key, then a sort.
EXPLAIN SELECT u.id, u.created_at FROM users u WHERE 1=1 AND u.locked_until > UTC_TIMESTAMP(6) ORDER BY u.created_at DESC, u.id DESC LIMIT 51;

-- 7. A page of a common state by last sign-in, after a cursor: the sort
--    key backwards from the cursor.
EXPLAIN SELECT u.id, u.last_login_at FROM users u FORCE INDEX (users_last_login) WHERE 1=1 AND u.is_active = 1 AND u.has_totp = 1
  AND (u.last_login_at < '2026-06-01' OR (u.last_login_at = '2026-06-01' AND u.id < 5000) OR u.last_login_at IS NULL)
  ORDER BY u.last_login_at DESC, u.id DESC LIMIT 51;

-- 8. A role: a small role is read from user_roles by role.
EXPLAIN SELECT u.id, u.created_at FROM users u WHERE 1=1 AND EXISTS (SELECT 1 FROM user_roles ur WHERE ur.user_id = u.id AND ur.role_id = 1) ORDER BY u.created_at DESC, u.id DESC LIMIT 51;
