-- 002_rate_limits: generic per-key fixed-window counters (RateLimiter in
-- rate_limit.h), e.g. password-reset requests per address and per client
-- IP. The key is stored as its SHA-256, so addresses are not kept in clear.
CREATE TABLE rate_limits (
  key_hash BINARY(32) NOT NULL PRIMARY KEY,
  window_start DATETIME(6) NOT NULL,
  count INT UNSIGNED NOT NULL DEFAULT 0,
  KEY rate_limits_window (window_start)
) ENGINE=InnoDB;
