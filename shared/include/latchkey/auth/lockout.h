// The account lockout policy as pure functions of (config, state, now): no
// database, no clock. LockoutStore applies it to the `users` row (and, for
// names that match no account, to a `name_lockouts` row), so every host and the
// portal share one count.
//
// Rules:
//  - an attempt at the password (or a second factor) is reserved before
//    any work: it counts as a failure up front, and only while the
//    subject is not locked and below max_failures (MayReserve). No
//    reservation: the attempt is refused without checking anything.
//  - a success gives the attempt back: failed_logins = 0.
//  - when a reserved failure brings failed_logins to max_failures, the
//    failure locks the subject (StartLockIfDue) for
//    lock_duration * 2^(n-1), capped at max_lock_duration, where n counts
//    the locks since the last quiet period: a lock that begins more than
//    lock_reset_after after the previous lock ended starts again at n = 1.
//  - the failure counter resets to 0 when a lock starts and on a success;
//    a success does not reset n (only quiet time or an admin unlock does).
//  - attempts while locked are refused without checking the password and
//    neither count nor extend the lock.
//  - an admin unlock clears everything.
//  - max_failures = 0 disables locking.
#ifndef LATCHKEY_AUTH_LOCKOUT_H_
#define LATCHKEY_AUTH_LOCKOUT_H_

#include <cstdint>
#include <optional>

#include "latchkey/config/config.h"

namespace latchkey {

// The lockout columns of a `users` (or `name_lockouts`) row. Times are
// Unix seconds.
struct LockoutState {
  uint32_t failed_logins = 0;             // failures (reserved attempts)
                                          // since the last success or lock
  uint32_t lock_count = 0;                // n of the most recent lock
  std::optional<int64_t> last_locked_at;  // when the most recent lock began
  std::optional<int64_t> locked_until;    // when it ends (kept afterwards)
  bool operator==(const LockoutState&) const = default;
};

struct LockoutDecision {
  LockoutState state;                   // the state to store
  bool lock_started = false;            // this failure began a lock
  std::optional<int64_t> locked_until;  // set iff lock_started
};

// True while now < locked_until.
bool IsLocked(const LockoutState& state, int64_t now);

// Whether an attempt may be reserved: not locked, and (when locking is on)
// failed_logins < max_failures. LockoutStore's reserving UPDATE is this
// predicate in SQL.
bool MayReserve(const LockoutConfig& config, const LockoutState& state,
                int64_t now);

// The length in seconds of the n-th lock (n >= 1) in a row.
int64_t LockDuration(const LockoutConfig& config, uint32_t n);

// How long a client should wait before trying again (an HTTP Retry-After),
// in whole seconds, for the two refusals of the password step:
//  - the address over its limit: the address window, an upper bound (the
//    window began at the address's first failure, at most that long ago);
//  - a lock that ends: the time until it ends, at least 1 s; 0 for no
//    lock, or one without an end.
Seconds AddressRetryAfter(const LockoutConfig& config);
Seconds LockRetryAfter(std::optional<int64_t> locked_until, int64_t now);

// After a reserved attempt failed (failed_logins already counts it): when
// failed_logins has reached max_failures and no lock holds, the lock
// begins now; otherwise `state` unchanged and lock_started = false.
LockoutDecision StartLockIfDue(const LockoutConfig& config,
                               const LockoutState& state, int64_t now);

}  // namespace latchkey

#endif  // LATCHKEY_AUTH_LOCKOUT_H_
