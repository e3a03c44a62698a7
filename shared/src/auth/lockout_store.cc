#include "latchkey/auth/lockout_store.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "latchkey/store/audit.h"

namespace latchkey {
namespace {

db::Value OptTime(const std::optional<int64_t>& t) {
  if (!t) return db::Null{};
  return db::Timestamp::FromUnix(*t);
}

// The table and key column of a subject's lock state.
struct Where {
  std::string_view table;  // "users" or "name_lockouts"
  db::Value key;
};

Where WhereOf(const LockSubject& s) {
  if (s.is_account()) return {"users", s.user_id};
  return {"name_lockouts", std::string_view(s.name_hash)};
}

}  // namespace

std::string IpKey(std::string_view rhost, uint32_t prefix_v6,
                  std::string_view host) {
  if (!host.empty()) {
    const std::string prefix = "host:" + EscapeLogField(host, 64) + "/";
    std::string address = IpKey(rhost, prefix_v6);
    // The column holds kAuditRhostMax characters (the prefix is ASCII).
    if (prefix.size() + address.size() > kAuditRhostMax) {
      address = EscapeLogField(rhost, kAuditRhostMax - prefix.size());
    }
    return prefix + address;
  }
  const std::string text(rhost.substr(0, 64));
  std::array<unsigned char, 16> a{};
  char out[INET6_ADDRSTRLEN + 8] = {};
  if (text.find(':') != std::string::npos &&
      inet_pton(AF_INET6, text.c_str(), a.data()) == 1) {
    static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0,    0,
                                                  0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(a.data(), kMapped, sizeof kMapped) == 0) {
      if (inet_ntop(AF_INET, a.data() + 12, out, sizeof out) != nullptr) {
        return out;
      }
    }
    const uint32_t bits = std::min<uint32_t>(prefix_v6, 128);
    for (uint32_t i = 0; i < 16; ++i) {
      const uint32_t keep =
          bits > i * 8 ? std::min<uint32_t>(bits - i * 8, 8) : 0;
      a[i] &= static_cast<unsigned char>(keep == 8 ? 0xff
                                                   : (0xff00 >> keep) & 0xff);
    }
    if (inet_ntop(AF_INET6, a.data(), out, sizeof out) != nullptr) {
      return std::string(out) + "/" + std::to_string(bits);
    }
  }
  return EscapeLogField(rhost, kAuditRhostMax);
}

LockoutStore::LockoutStore(db::Connection& db, const Clock& clock,
                           const LockoutConfig& config)
    : db_(db), clock_(clock), config_(config) {}

std::optional<int64_t> LockoutStore::AccountLocked(const User& user) const {
  if (user.locked_until && clock_.NowUnix() < *user.locked_until) {
    return user.locked_until;
  }
  return std::nullopt;
}

std::optional<int64_t> LockoutStore::AdminLocked(const User& user) const {
  if (user.admin_locked_until && clock_.NowUnix() < *user.admin_locked_until) {
    return user.admin_locked_until;
  }
  return std::nullopt;
}

std::optional<int64_t> LockoutStore::AnyLock(const User& user) const {
  if (std::optional<int64_t> admin = AdminLocked(user)) return admin;
  return AccountLocked(user);
}

Result<Reservation> LockoutStore::Reserve(const LockSubject& subject) {
  const int64_t now_micros = clock_.NowUnixMicros();
  const db::Timestamp now{now_micros};
  const int64_t max = config_.max_failures;
  Reservation out;
  // lockout.h MayReserve, in SQL. LAST_INSERT_ID(expr) hands the new count
  // back with the statement's answer, so reserving is one round trip.
  // FORCE INDEX (PRIMARY): with the admin area's key on locked_until (011)
  // the optimizer may read that key first for the OR below, locking it
  // before the row, while Settle locks the row and then updates that key:
  // a parallel burst then deadlocked (LockoutStoreTest.Concurrent*, about
  // one run in six). The row first, always.
  if (subject.is_account()) {
    LK_ASSIGN_OR_RETURN(
        uint64_t n,
        db_.Execute(
            "UPDATE users FORCE INDEX (PRIMARY) SET last_failed_at = ?, "
            "failed_logins = LAST_INSERT_ID(failed_logins + 1) "
            "WHERE id = ? AND (locked_until IS NULL OR locked_until <= ?) "
            "AND (? = 0 OR failed_logins < ?)",
            {now, subject.user_id, now, max, max}));
    out.reserved = n == 1;
  } else {
    const db::Timestamp expires{
        now_micros +
        (config_.lock_reset_after.count() + config_.max_lock_duration.count()) *
            1'000'000};
    // Assignments run left to right: last_failed_at is decided while
    // failed_logins still holds the old count.
    LK_RETURN_IF_ERROR(
        db_.Execute(
               "INSERT INTO name_lockouts (name_hash, failed_logins, "
               "last_failed_at, expires_at) VALUES (?, LAST_INSERT_ID(1), ?, "
               "?) ON DUPLICATE KEY UPDATE "
               "last_failed_at = IF((locked_until IS NULL OR locked_until <= "
               "?) AND (? = 0 OR failed_logins < ?), VALUES(last_failed_at), "
               "last_failed_at), "
               "failed_logins = IF((locked_until IS NULL OR locked_until <= "
               "?) AND (? = 0 OR failed_logins < ?), "
               "LAST_INSERT_ID(failed_logins + 1), "
               "failed_logins + LAST_INSERT_ID(0)), "
               "expires_at = VALUES(expires_at)",
               {std::string_view(subject.name_hash), now, expires, now, max,
                max, now, max, max})
            .status());
    out.reserved = db_.last_insert_id() > 0;
  }
  if (out.reserved) {
    out.failed_logins = static_cast<uint32_t>(db_.last_insert_id());
  }
  return out;
}

Result<AccountFailure> LockoutStore::Settle(const LockSubject& subject,
                                            uint32_t failed_logins,
                                            bool refused) {
  AccountFailure out;
  out.failed_logins = failed_logins;
  const bool due =
      config_.max_failures > 0 && failed_logins >= config_.max_failures;
  if (!refused && !due) return out;
  const int64_t now_micros = clock_.NowUnixMicros();
  const int64_t now = now_micros / 1'000'000;
  const Where where = WhereOf(subject);
  std::optional<db::Transaction> own;
  if (!db_.in_transaction()) {
    LK_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Start(db_));
    own.emplace(std::move(tx));
  }
  // The row lock serialises the settling failures of every host and the
  // portal, so exactly one of them starts the lock.
  const std::string select =
      std::string(
          "SELECT failed_logins, lock_count, last_locked_at, locked_until, "
          "last_failed_at FROM ") +
      std::string(where.table) +
      (subject.is_account() ? " WHERE id = ? FOR UPDATE"
                            : " WHERE name_hash = ? FOR UPDATE");
  LK_ASSIGN_OR_RETURN(std::optional<db::Row> row,
                      db_.QueryOne(select, {where.key}));
  if (!row) {
    if (subject.is_account()) {
      return NotFound("no user with id " + std::to_string(subject.user_id));
    }
    if (own) LK_RETURN_IF_ERROR(own->Commit());
    return out;  // pruned meanwhile: nothing to lock
  }
  LockoutState state;
  state.failed_logins = static_cast<uint32_t>(row->i64(0));
  state.lock_count = static_cast<uint32_t>(row->i64(1));
  state.last_locked_at = row->unix_time(2);
  state.locked_until = row->unix_time(3);
  const std::optional<int64_t> last_failed = row->unix_time(4);
  out.failed_logins = state.failed_logins;
  if (refused && IsLocked(state, now)) {
    out.locked_until = state.locked_until;
    if (own) LK_RETURN_IF_ERROR(own->Commit());
    return out;
  }
  // A refusal starts only a lock whose attempt never settled.
  const bool stale = !refused || !last_failed.has_value() ||
                     *last_failed <= now - kPendingLockGrace.count();
  LockoutDecision d;
  d.state = state;
  if (stale) d = StartLockIfDue(config_, state, now);
  if (d.lock_started) {
    const std::string update =
        std::string("UPDATE ") + std::string(where.table) +
        " SET failed_logins = ?, lock_count = ?, last_locked_at = ?, "
        "locked_until = ? " +
        (subject.is_account() ? "WHERE id = ?" : "WHERE name_hash = ?");
    LK_RETURN_IF_ERROR(
        db_.Execute(update, {static_cast<int64_t>(d.state.failed_logins),
                             static_cast<int64_t>(d.state.lock_count),
                             OptTime(d.state.last_locked_at),
                             OptTime(d.state.locked_until), where.key})
            .status());
    out.lock_started = true;
    out.locked_until = d.locked_until;
    out.failed_logins = d.state.failed_logins;
  }
  if (own) LK_RETURN_IF_ERROR(own->Commit());
  return out;
}

Status LockoutStore::GiveBack(const LockSubject& subject) {
  if (!subject.is_account()) return Status::Ok();
  return db_
      .Execute(
          "UPDATE users SET failed_logins = failed_logins - 1 WHERE id = ? "
          "AND failed_logins > 0",
          {subject.user_id})
      .status();
}

Status LockoutStore::RecordAccountSuccess(int64_t user_id) {
  return db_
      .Execute("UPDATE users SET failed_logins = 0 WHERE id = ?", {user_id})
      .status();
}

Status LockoutStore::PruneNames() {
  const db::Timestamp now{clock_.NowUnixMicros()};
  LK_RETURN_IF_ERROR(
      db_.Execute("DELETE FROM name_lockouts WHERE expires_at <= ? LIMIT 1000",
                  {now})
          .status());
  LK_ASSIGN_OR_RETURN(std::optional<db::Row> row,
                      db_.QueryOne("SELECT COUNT(*) FROM name_lockouts"));
  const int64_t excess = row ? row->i64(0) - kNameLockoutCap : 0;
  if (excess <= 0) return Status::Ok();
  return db_
      .Execute("DELETE FROM name_lockouts ORDER BY expires_at LIMIT ?",
               {std::min<int64_t>(excess, 10000)})
      .status();
}

namespace {

// Runs `sql` ("UPDATE users SET ... WHERE id = ?", the id last in
// `params`) on an existing user. Errors: NotFound.
Status UpdateUserLocks(db::Connection& db, int64_t user_id,
                       std::string_view sql,
                       std::initializer_list<db::Value> params) {
  LK_ASSIGN_OR_RETURN(
      std::optional<db::Row> row,
      db.QueryOne("SELECT 1 FROM users WHERE id = ?", {user_id}));
  if (!row) return NotFound("no user with id " + std::to_string(user_id));
  return db.Execute(sql, params).status();
}

}  // namespace

Status LockoutStore::Unlock(int64_t user_id) {
  return UpdateUserLocks(db_, user_id,
                         "UPDATE users SET failed_logins = 0, lock_count = 0, "
                         "last_locked_at = NULL, locked_until = NULL, "
                         "admin_locked_until = NULL WHERE id = ?",
                         {user_id});
}

Status LockoutStore::ClearAdminLock(int64_t user_id) {
  return UpdateUserLocks(
      db_, user_id, "UPDATE users SET admin_locked_until = NULL WHERE id = ?",
      {user_id});
}

Status LockoutStore::ClearPasswordLock(int64_t user_id) {
  return UpdateUserLocks(db_, user_id,
                         "UPDATE users SET failed_logins = 0, lock_count = 0, "
                         "last_locked_at = NULL, locked_until = NULL WHERE "
                         "id = ?",
                         {user_id});
}

Status LockoutStore::LockUntil(int64_t user_id, int64_t until) {
  return UpdateUserLocks(db_, user_id,
                         "UPDATE users SET admin_locked_until = ? WHERE id = ?",
                         {db::Timestamp::FromUnix(until), user_id});
}

Result<bool> LockoutStore::IpBlocked(std::string_view rhost,
                                     std::string_view host) {
  if (rhost.empty() || config_.ip_max_failures == 0) return false;
  const std::string key = IpKey(rhost, config_.ip_prefix_v6, host);
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

Status LockoutStore::RecordIpFailure(std::string_view rhost,
                                     std::string_view host) {
  if (rhost.empty() || config_.ip_max_failures == 0) return Status::Ok();
  const std::string key = IpKey(rhost, config_.ip_prefix_v6, host);
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

}  // namespace latchkey
