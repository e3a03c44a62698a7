#include "latchkey/store/rate_limit.h"

#include <algorithm>

#include "latchkey/base/encoding.h"

namespace latchkey {
namespace {

constexpr int64_t kMicros = 1'000'000;

}  // namespace

RateLimiter::RateLimiter(db::Connection& db, const Clock& clock)
    : db_(db), clock_(clock) {}

Result<bool> RateLimiter::Hit(std::string_view key, const RateLimit& limit) {
  if (limit.max == 0) return true;
  const Sha256Digest digest = Sha256(key);
  const int64_t now = clock_.NowUnixMicros();
  const db::Timestamp passed_at_or_before{now - limit.window.count() * kMicros};
  // The assignments run left to right, each seeing the columns as already
  // updated: `count` is decided while window_start still holds the old
  // window. LAST_INSERT_ID(expr) hands this connection the count its own
  // update produced, so racing hits each see an exact, distinct number.
  // LEAST keeps a hammered counter from overflowing.
  LK_ASSIGN_OR_RETURN(
      uint64_t affected,
      db_.Execute("INSERT INTO rate_limits (key_hash, window_start, count) "
                  "VALUES (?, ?, 1) ON DUPLICATE KEY UPDATE "
                  "count = LAST_INSERT_ID(IF(window_start <= ?, 1, "
                  "LEAST(count + 1, 4000000000))), "
                  "window_start = IF(window_start <= ?, VALUES(window_start), "
                  "window_start)",
                  {DigestView(digest), db::Timestamp{now}, passed_at_or_before,
                   passed_at_or_before}));
  // 1: a new row (count 1); 2: an existing row updated; 0: nothing changed
  // (the counter is at its cap).
  if (affected == 0) return false;
  const uint64_t count = affected == 1 ? 1 : db_.last_insert_id();
  return count <= limit.max;
}

Result<uint32_t> RateLimiter::Count(std::string_view key,
                                    const RateLimit& limit) {
  const Sha256Digest digest = Sha256(key);
  const int64_t now = clock_.NowUnixMicros();
  LK_ASSIGN_OR_RETURN(
      std::optional<db::Row> row,
      db_.QueryOne("SELECT count FROM rate_limits WHERE key_hash = ? AND "
                   "window_start > ?",
                   {DigestView(digest),
                    db::Timestamp{now - limit.window.count() * kMicros}}));
  if (!row) return 0u;
  return static_cast<uint32_t>(std::max<int64_t>(0, row->i64(0)));
}

Result<bool> RateLimiter::Reset(std::string_view key) {
  const Sha256Digest digest = Sha256(key);
  LK_ASSIGN_OR_RETURN(uint64_t n,
                      db_.Execute("DELETE FROM rate_limits WHERE key_hash = ?",
                                  {DigestView(digest)}));
  return n > 0;
}

Result<uint64_t> RateLimiter::PurgeOlderThan(Seconds older_than,
                                             uint64_t limit) {
  const int64_t now = clock_.NowUnixMicros();
  return db_.Execute(
      "DELETE FROM rate_limits WHERE window_start < ? LIMIT ?",
      {db::Timestamp{now - older_than.count() * kMicros}, limit});
}

}  // namespace latchkey
