-- 013_admin_stats: the rollup behind the admin overview (issue 11,
-- store/admin_stats.h), so the overview stays fast with months of
-- auth_events: a GROUP BY over 30 days of events would read millions of
-- rows on every page view.
--
-- auth_events is append-only, so once an hour has ended (plus a grace for
-- hosts whose clocks are behind) its counts never change: the core counts
-- each such hour once, on demand, and reads the hours since then live.
--
-- stats_hours: per hour, failed logins per service ("failed:sshd", ...,
-- "failed:other") and sign-ups ("registered", "activated"). A series
-- without events in an hour has no row.
CREATE TABLE stats_hours (
  hour_start DATETIME NOT NULL,
  series VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  n INT UNSIGNED NOT NULL,
  PRIMARY KEY (hour_start, series)
) ENGINE=InnoDB;

-- stats_hour_names: per hour, failed logins per remote address and per
-- name tried (the top lists), the 500 largest of each hour, kept for two
-- days. Same character set as auth_events, so names group the same way.
CREATE TABLE stats_hour_names (
  hour_start DATETIME NOT NULL,
  kind ENUM('address', 'account') NOT NULL,
  name VARCHAR(255) NOT NULL,
  n INT UNSIGNED NOT NULL,
  PRIMARY KEY (hour_start, kind, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- One row: every hour before done_until is in the two tables above (NULL:
-- nothing yet). The rollup holds this row FOR UPDATE, so two portal
-- workers never count an hour twice.
CREATE TABLE stats_rollup (
  id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
  done_until DATETIME NULL
) ENGINE=InnoDB;
INSERT INTO stats_rollup (id, done_until) VALUES (1, NULL);

-- The accounts locked now (locked_until or admin_locked_until > now) are
-- a range read of each key, not a scan of every user. 011_user_search
-- (the users list's filters) makes the same two keys under the same
-- names; IF NOT EXISTS keeps this a no-op after it.
ALTER TABLE users
  ADD KEY IF NOT EXISTS users_locked (locked_until),
  ADD KEY IF NOT EXISTS users_admin_locked (admin_locked_until);
