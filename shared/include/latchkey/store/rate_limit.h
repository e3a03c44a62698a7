// RateLimiter: generic per-key fixed-window counters in the `rate_limits`
// table (key_hash = SHA-256 of the key, window_start, count), shared by
// every portal instance and host. Used for requests that send mail or cost
// work: password-reset and activation mails per address and per client IP,
// email-change requests per user.
//
// A key names what is counted, e.g. "forgot:addr:bob@example.org" or
// "forgot:ip:203.0.113.5"; any bytes are fine (only their hash is stored).
// Count unknown and known addresses alike, so the verdict says nothing
// about whether an account exists.
#ifndef LATCHKEY_STORE_RATE_LIMIT_H_
#define LATCHKEY_STORE_RATE_LIMIT_H_

#include <cstdint>
#include <string_view>

#include "latchkey/base/clock.h"
#include "latchkey/base/result.h"
#include "latchkey/config/config.h"
#include "latchkey/db/db.h"

namespace latchkey {

struct RateLimit {
  uint32_t max = 0;  // hits allowed per window; 0 = unlimited
  Seconds window{3600};
};

// Not thread-safe (one Connection). Errors: those of the db layer.
class RateLimiter {
 public:
  RateLimiter(db::Connection& db, const Clock& clock);

  // Counts one hit for `key` and returns true if it is within `limit`
  // (the count including this hit is <= limit.max). One INSERT ... ON
  // DUPLICATE KEY UPDATE, which starts a new window when the current one
  // (window_start + limit.window) has passed, then one SELECT. Refused hits
  // count too (a client that keeps trying stays refused until the window
  // ends). limit.max = 0: always true, nothing written.
  Result<bool> Hit(std::string_view key, const RateLimit& limit);

  // The hits counted for `key` in its current window (0 if none or the
  // window has passed). Writes nothing.
  Result<uint32_t> Count(std::string_view key, const RateLimit& limit);

  // Forgets `key` (e.g. an admin clearing a limit). Returns whether it was
  // counted.
  Result<bool> Reset(std::string_view key);

  // Deletes counters whose window started before now - `older_than` (pass
  // the longest window in use). Returns how many.
  Result<uint64_t> PurgeOlderThan(Seconds older_than, uint64_t limit = 1000);

 private:
  db::Connection& db_;
  const Clock& clock_;
};

}  // namespace latchkey

#endif  // LATCHKEY_STORE_RATE_LIMIT_H_
