// Throttle: the per-account lockout (lockout.h applied to `users` under a
// row lock) and the per-address limit (`ip_failures`, fixed window). All
// counts live in the database, so the PAM module on every host and the
// portal see the same numbers.
#ifndef LATCHKEY_THROTTLE_H_
#define LATCHKEY_THROTTLE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "latchkey/clock.h"
#include "latchkey/config.h"
#include "latchkey/db.h"
#include "latchkey/lockout.h"
#include "latchkey/result.h"
#include "latchkey/user_store.h"

namespace latchkey {

struct AccountFailure {
  bool lock_started = false;
  std::optional<int64_t> locked_until;  // set iff lock_started
  uint32_t failed_logins = 0;           // the counter after this failure
};

// Not thread-safe (one Connection). Errors: those of the db layer.
class Throttle {
 public:
  Throttle(db::Connection& db, const Clock& clock, const LockoutConfig& config);

  // When `user` is locked now, the time the lock ends; else nullopt. Pure:
  // reads the fields of `user`, no database.
  std::optional<int64_t> AccountLocked(const User& user) const;

  // One failed attempt on an account, in a transaction (SELECT ... FOR
  // UPDATE, then the lockout policy, then one UPDATE), so failures racing
  // on several connections all count. While locked it changes nothing.
  // Runs inside the caller's transaction when one is open on the
  // connection (the caller commits), else in its own.
  // Errors: NotFound "no user with id N".
  Result<AccountFailure> RecordAccountFailure(int64_t user_id);
  // The same statements against no row (id 0), so an unknown user costs
  // what a wrong password costs. Always returns OK unless the db fails.
  Status PadAccountFailure();

  // A correct password (or second factor): failed_logins = 0. Lock history
  // (lock_count, locked_until) is kept for the doubling.
  Status RecordAccountSuccess(int64_t user_id);

  // Admin unlock: clears failed_logins, lock_count, last_locked_at and
  // locked_until. Errors: NotFound.
  Status Unlock(int64_t user_id);
  // Admin lock until `until` (Unix seconds; e.g. far in the future). Does
  // not count towards the doubling. Errors: NotFound.
  Status LockUntil(int64_t user_id, int64_t until);

  // Per address. `rhost` "" (local logins, no PAM_RHOST) is never
  // throttled or counted. ip_max_failures = 0 disables the limit.
  // True when the address has ip_max_failures or more failures in its
  // current window. (Authenticate asks this together with the account
  // lookup: LookUpLogin.)
  Result<bool> IpBlocked(std::string_view rhost);
  // Counts one failure for the address: one INSERT ... ON DUPLICATE KEY
  // UPDATE that starts a new window when the current one has passed. A
  // successful login does not reset it.
  Status RecordIpFailure(std::string_view rhost);
  // Forgets the address (admin action). Returns whether a row existed.
  Result<bool> ClearIp(std::string_view rhost);

  const LockoutConfig& config() const { return config_; }

 private:
  Result<AccountFailure> FailureTransaction(int64_t user_id);

  db::Connection& db_;
  const Clock& clock_;
  LockoutConfig config_;
};

// The key under which an address is counted: escaped like audit fields and
// cut to 255 characters (the column size).
std::string IpKey(std::string_view rhost);

}  // namespace latchkey

#endif  // LATCHKEY_THROTTLE_H_
