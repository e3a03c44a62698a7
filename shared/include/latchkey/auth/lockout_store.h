// LockoutStore: the lockout (lockout.h) applied to the database, for accounts
// (`users`) and for names that match no account (`name_lockouts`), and the
// per-address limit (`ip_failures`, fixed window). All counts live in the
// database, so the PAM module on every host and the portal see the same
// numbers.
//
// Two kinds of lock on an account:
//  - the password lock (users.locked_until): automatic, after max_failures
//    reserved attempts failed. It guards the password (and second-factor)
//    step only; the PAM account phase lets a locked account in, so
//    key-based logins keep working.
//  - the admin lock (users.admin_locked_until): `latchkeyctl user lock`,
//    the admin area. It refuses the account phase, and a login with the
//    right password.
#ifndef LATCHKEY_AUTH_LOCKOUT_STORE_H_
#define LATCHKEY_AUTH_LOCKOUT_STORE_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "latchkey/auth/lockout.h"
#include "latchkey/base/clock.h"
#include "latchkey/base/result.h"
#include "latchkey/config/config.h"
#include "latchkey/db/db.h"
#include "latchkey/store/user_store.h"

namespace latchkey {

// Whose lock state an attempt uses: an account (user_id > 0), or else the
// name tried, by its keyed hash (name_hash, 32 bytes; see
// PasswordStep::NameHash).
struct LockSubject {
  int64_t user_id = 0;
  std::string name_hash;
  bool is_account() const { return user_id > 0; }
};

struct Reservation {
  bool reserved = false;       // false: locked or at the limit; refuse
  uint32_t failed_logins = 0;  // the count with this attempt (if reserved)
};

struct AccountFailure {
  bool lock_started = false;
  std::optional<int64_t> locked_until;  // set iff lock_started
  uint32_t failed_logins = 0;           // the counter after this failure
};

// A count left at max_failures by an attempt that never settled (its
// process was killed during the KDF) becomes a lock once this much time
// has passed since the reservation: longer than any KDF takes.
inline constexpr Seconds kPendingLockGrace{60};
// name_lockouts holds at most about this many rows: beyond it the rows
// that expire first are deleted (PruneNames).
inline constexpr int64_t kNameLockoutCap = 100000;

// Not thread-safe (one Connection). Errors: those of the db layer.
class LockoutStore {
 public:
  LockoutStore(db::Connection& db, const Clock& clock,
               const LockoutConfig& config);

  // When `user`'s password lock holds now, the time it ends; else nullopt.
  // Pure: reads the fields of `user`, no database.
  std::optional<int64_t> AccountLocked(const User& user) const;
  // The same for the admin lock.
  std::optional<int64_t> AdminLocked(const User& user) const;
  // Either lock that holds now, the admin lock first (what an admin sees).
  std::optional<int64_t> AnyLock(const User& user) const;

  // Reserves one attempt before any work: one statement that counts it as
  // a failure up front and succeeds only while the subject is not locked
  // and below max_failures (lockout.h MayReserve). A process killed after
  // this has still used the attempt. For a name, the row is created when
  // missing and its expiry renewed.
  Result<Reservation> Reserve(const LockSubject& subject);
  // After a reserved attempt failed with `failed_logins` (the count of its
  // Reservation): when that reached max_failures, the lock starts (row
  // lock, StartLockIfDue, UPDATE), so exactly one failure starts it.
  // After a refused reservation (`refused`): a stale pending count (see
  // kPendingLockGrace) is turned into a lock now; locked_until is then the
  // lock that holds, if any. Runs inside the caller's transaction when one
  // is open (the caller commits), else in its own.
  // Errors: NotFound for an account that does not exist.
  Result<AccountFailure> Settle(const LockSubject& subject,
                                uint32_t failed_logins, bool refused);
  // Gives a reserved attempt back without resetting the count (a right
  // password before a second factor, a replayed code): failed_logins - 1.
  Status GiveBack(const LockSubject& subject);
  // A success: failed_logins = 0. Lock history (lock_count, locked_until)
  // is kept for the doubling.
  Status RecordAccountSuccess(int64_t user_id);

  // Deletes expired name_lockouts rows (a bounded batch), and the rows
  // that expire first while there are more than kNameLockoutCap.
  Status PruneNames();

  // Admin unlock: clears both locks, failed_logins, lock_count and
  // last_locked_at. Errors: NotFound.
  Status Unlock(int64_t user_id);
  // Clears the admin lock only. Errors: NotFound.
  Status ClearAdminLock(int64_t user_id);
  // Clears the password lock only: locked_until, failed_logins,
  // lock_count and last_locked_at. Errors: NotFound.
  Status ClearPasswordLock(int64_t user_id);
  // Admin lock until `until` (Unix seconds; e.g. far in the future):
  // admin_locked_until. Does not count towards the doubling. Errors:
  // NotFound.
  Status LockUntil(int64_t user_id, int64_t until);

  // Per address. `rhost` "" (local logins, no PAM_RHOST) is never
  // throttled or counted. ip_max_failures = 0 disables the limit. IPv6
  // addresses count per ip_prefix_v6 (IpKey).
  // True when the address has ip_max_failures or more failures in its
  // current window. (Authenticate asks this together with the account
  // lookup: LookUpLogin.)
  // `host` (AuthContext::host): the fleet host that reported `rhost`; the
  // address then counts under that host's name only (IpKey).
  Result<bool> IpBlocked(std::string_view rhost, std::string_view host = {});
  // Counts one failure for the address: one INSERT ... ON DUPLICATE KEY
  // UPDATE that starts a new window when the current one has passed. A
  // successful login does not reset it.
  Status RecordIpFailure(std::string_view rhost, std::string_view host = {});

  const LockoutConfig& config() const { return config_; }

 private:
  db::Connection& db_;
  const Clock& clock_;
  LockoutConfig config_;
};

// The key under which an address is counted. An IPv4 address (also one
// written IPv4-mapped, ::ffff:a.b.c.d) is itself; an IPv6 address is its
// network of `prefix_v6` bits ("2001:db8:1:2::/64"); anything else (a
// host name) is escaped like audit fields. Cut to 255 characters (the
// column size).
//
// With `host` (a fleet host's name, AuthContext::host) the key is
// "host:<host>/<that key>": an address a host only reports is worth no
// more than that host's word, so web1's count for it is not web2's nor the
// portal's (docs/fleet-protocol.md, "Addresses count per host").
std::string IpKey(std::string_view rhost, uint32_t prefix_v6,
                  std::string_view host = {});

}  // namespace latchkey

#endif  // LATCHKEY_AUTH_LOCKOUT_STORE_H_
