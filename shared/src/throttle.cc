#include "latchkey/throttle.h"

#include "latchkey/audit.h"

namespace latchkey {
namespace {

db::Value OptTime(const std::optional<int64_t>& t) {
  if (!t) return db::Null{};
  return db::Timestamp::FromUnix(*t);
}

}  // namespace

std::string IpKey(std::string_view rhost) {
  return EscapeLogField(rhost, kAuditRhostMax);
}

Throttle::Throttle(db::Connection& db, const Clock& clock,
                   const LockoutConfig& config)
    : db_(db), clock_(clock), config_(config) {}

std::optional<int64_t> Throttle::AccountLocked(const User& user) const {
  if (user.locked_until && clock_.NowUnix() < *user.locked_until) {
    return user.locked_until;
  }
  return std::nullopt;
}

Result<AccountFailure> Throttle::FailureTransaction(int64_t user_id) {
  const int64_t now_micros = clock_.NowUnixMicros();
  const int64_t now = now_micros / 1'000'000;
  std::optional<db::Transaction> own;
  if (!db_.in_transaction()) {
    LK_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Start(db_));
    own.emplace(std::move(tx));
  }
  // The row lock serialises failures from every host and the portal, so
  // none is lost and exactly one of them starts the lock.
  LK_ASSIGN_OR_RETURN(
      std::optional<db::Row> row,
      db_.QueryOne("SELECT failed_logins, lock_count, last_locked_at, "
                   "locked_until FROM users WHERE id = ? FOR UPDATE",
                   {user_id}));
  if (!row && user_id != 0) {
    return NotFound("no user with id " + std::to_string(user_id));
  }
  LockoutState state;
  if (row) {
    state.failed_logins = static_cast<uint32_t>(row->i64(0));
    state.lock_count = static_cast<uint32_t>(row->i64(1));
    state.last_locked_at = row->unix_time(2);
    state.locked_until = row->unix_time(3);
  }
  const LockoutDecision d = OnFailure(config_, state, now);
  LK_RETURN_IF_ERROR(
      db_.Execute(
             "UPDATE users SET failed_logins = ?, lock_count = ?, "
             "last_locked_at = ?, locked_until = ?, last_failed_at = ? "
             "WHERE id = ?",
             {static_cast<int64_t>(d.state.failed_logins),
              static_cast<int64_t>(d.state.lock_count),
              OptTime(d.state.last_locked_at), OptTime(d.state.locked_until),
              db::Timestamp{now_micros}, user_id})
          .status());
  if (own) LK_RETURN_IF_ERROR(own->Commit());
  AccountFailure out;
  out.lock_started = d.lock_started;
  out.locked_until = d.locked_until;
  out.failed_logins = d.state.failed_logins;
  return out;
}

Result<AccountFailure> Throttle::RecordAccountFailure(int64_t user_id) {
  if (user_id <= 0) {
    return NotFound("no user with id " + std::to_string(user_id));
  }
  return FailureTransaction(user_id);
}

Status Throttle::PadAccountFailure() { return FailureTransaction(0).status(); }

Status Throttle::RecordAccountSuccess(int64_t user_id) {
  return db_
      .Execute("UPDATE users SET failed_logins = 0 WHERE id = ?", {user_id})
      .status();
}

Status Throttle::Unlock(int64_t user_id) {
  LK_ASSIGN_OR_RETURN(
      std::optional<db::Row> row,
      db_.QueryOne("SELECT 1 FROM users WHERE id = ?", {user_id}));
  if (!row) return NotFound("no user with id " + std::to_string(user_id));
  return db_
      .Execute(
          "UPDATE users SET failed_logins = 0, lock_count = 0, "
          "last_locked_at = NULL, locked_until = NULL WHERE id = ?",
          {user_id})
      .status();
}

Status Throttle::LockUntil(int64_t user_id, int64_t until) {
  LK_ASSIGN_OR_RETURN(
      std::optional<db::Row> row,
      db_.QueryOne("SELECT 1 FROM users WHERE id = ?", {user_id}));
  if (!row) return NotFound("no user with id " + std::to_string(user_id));
  return db_
      .Execute("UPDATE users SET locked_until = ? WHERE id = ?",
               {db::Timestamp::FromUnix(until), user_id})
      .status();
}

Result<bool> Throttle::IpBlocked(std::string_view rhost) {
  if (rhost.empty() || config_.ip_max_failures == 0) return false;
  const std::string key = IpKey(rhost);
  const int64_t window_open_after =
      clock_.NowUnixMicros() - config_.ip_window.count() * 1'000'000;
  LK_ASSIGN_OR_RETURN(
      std::optional<db::Row> row,
      db_.QueryOne("SELECT failures FROM ip_failures WHERE ip = ? AND "
                   "window_start > ?",
                   {std::string_view(key), db::Timestamp{window_open_after}}));
  return row.has_value() &&
         row->i64(0) >= static_cast<int64_t>(config_.ip_max_failures);
}

Status Throttle::RecordIpFailure(std::string_view rhost) {
  if (rhost.empty() || config_.ip_max_failures == 0) return Status::Ok();
  const std::string key = IpKey(rhost);
  const int64_t now = clock_.NowUnixMicros();
  const db::Timestamp expired_at_or_before{now - config_.ip_window.count() *
                                                     1'000'000};
  // MariaDB applies the assignments left to right, each seeing the columns
  // as already updated: `failures` must be decided while window_start still
  // holds the old window.
  return db_
      .Execute(
          "INSERT INTO ip_failures (ip, window_start, failures) "
          "VALUES (?, ?, 1) ON DUPLICATE KEY UPDATE "
          "failures = IF(window_start <= ?, 1, failures + 1), "
          "window_start = IF(window_start <= ?, VALUES(window_start), "
          "window_start)",
          {std::string_view(key), db::Timestamp{now}, expired_at_or_before,
           expired_at_or_before})
      .status();
}

Result<bool> Throttle::ClearIp(std::string_view rhost) {
  const std::string key = IpKey(rhost);
  LK_ASSIGN_OR_RETURN(uint64_t n,
                      db_.Execute("DELETE FROM ip_failures WHERE ip = ?",
                                  {std::string_view(key)}));
  return n > 0;
}

}  // namespace latchkey
