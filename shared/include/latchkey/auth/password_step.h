// PasswordStep: THE password check, behind login (Authenticator), a
// password change with the current password (AccountService) and
// re-authentication (Reauthentication), so the three cannot drift apart.
//
// Check, in order:
//   1. the address is over ip_max_failures -> kThrottled, audited
//      address_throttled, no KDF (the answer is about the address, never
//      the name). Skipped when the caller already knows the answer
//      (LookUpLogin asks it with the account).
//   2. the attempt is reserved before any work (LockoutStore::Reserve): for the
//      account, or, for a name that has none, for the keyed hash of the
//      name tried (NameHash), so unknown names lock like accounts.
//   3. no reservation (locked, or the count at max_failures) -> kLocked
//      after one dummy KDF, so a locked name costs what an unlocked one
//      does and the answer's timing says nothing about its existence. A
//      stale count left by a killed process becomes a lock here. The
//      address counts a failure; audited refused_locked.
//   4. the KDF: the stored hash, or a dummy one (a name without account, a
//      stored hash the hasher cannot use, an empty password).
//   5. wrong -> kWrong: the lock starts when this failure brought the count
//      to max_failures; the address counts a failure; audited
//      login_failure (unknown_user for a name without account) and
//      account_locked when a lock began; "account locked" mailed (accounts
//      only). These rows commit in one transaction.
//   6. right -> kRight. The attempt stays reserved: the caller gives it
//      back (LockoutStore::RecordAccountSuccess, or GiveBack before a second
//      factor) together with what it does next.
// A name without an account runs the same statements against its
// name_lockouts row as an account does against its users row, and the
// same KDF.
#ifndef LATCHKEY_AUTH_PASSWORD_STEP_H_
#define LATCHKEY_AUTH_PASSWORD_STEP_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "latchkey/auth/lockout_store.h"
#include "latchkey/auth/security_notifier.h"
#include "latchkey/base/clock.h"
#include "latchkey/base/result.h"
#include "latchkey/base/secret.h"
#include "latchkey/crypto/password_hash.h"
#include "latchkey/crypto/secret_box.h"
#include "latchkey/db/db.h"
#include "latchkey/store/audit.h"
#include "latchkey/store/user_store.h"

namespace latchkey {

// Where the password is typed; it words the audit details.
enum class PasswordUse { kLogin, kPasswordChange, kReauth };

enum class PasswordVerdict { kRight, kWrong, kLocked, kThrottled };

struct PasswordCheck {
  PasswordVerdict verdict = PasswordVerdict::kWrong;
  bool lock_started = false;            // this failure began a lock
  std::optional<int64_t> locked_until;  // kLocked (when one holds), or the
                                        // lock this failure began
  uint32_t failed_logins = 0;           // the count with this attempt
  // kRight, and PasswordHasher::Verify asks for the stored hash to be
  // replaced (old scheme or parameters, or a match of the raw bytes of a
  // non-NFC password).
  bool rehash = false;
};

// Not thread-safe (one Connection).
class PasswordStep {
 public:
  // `box` (may be null) keys the hash of unknown names; `notifier` (may be
  // null: no mails) must use the same connection as `db`.
  PasswordStep(db::Connection& db, const Clock& clock,
               const PasswordHasher& hasher, LockoutStore& lockouts,
               AuditLog& audit, SecurityNotifier* notifier,
               const SecretBox* box);

  // Checks `password` for `user` (null: the name `name_key` has no
  // account). `tried` is what was typed, for the audit. `address_blocked`:
  // the caller's answer to step 1, or nullopt to ask here. Errors: those
  // of the db layer (nothing is then known about the password).
  Result<PasswordCheck> Check(const User* user, std::string_view name_key,
                              std::string_view tried, const Secret& password,
                              const AuthContext& ctx, PasswordUse use,
                              std::optional<bool> address_blocked);

  // The pieces of Check that a second factor uses too, so a code is
  // counted exactly as a password is.
  LockSubject SubjectOf(const User* user, std::string_view name_key) const;
  // Steps 3 without the KDF: settle the refusal, count the address, audit
  // refused_locked with `detail`. Returns the lock that holds, if known.
  Result<std::optional<int64_t>> Refuse(const LockSubject& subject,
                                        const User* user,
                                        std::string_view tried,
                                        const AuthContext& ctx,
                                        std::string_view detail);
  // Step 5 for a reserved attempt that failed (`failed_logins` from its
  // Reservation), audited as `event` with `detail`.
  Result<AccountFailure> Fail(const LockSubject& subject, const User* user,
                              std::string_view tried, const AuthContext& ctx,
                              AuditEvent event, std::string_view detail,
                              uint32_t failed_logins);

  // The 32-byte key of a name's lock state: HMAC-SHA256 under the secret
  // key (SecretBox::Mac, purpose "name-lockout") of `name_key`; without a
  // key file, SHA-256 of a fixed label and the name (the table then shows
  // which names were tried to anyone who can guess them).
  std::string NameHash(std::string_view name_key) const;

 private:
  db::Connection& db_;
  const Clock& clock_;
  const PasswordHasher& hasher_;
  LockoutStore& lockout_store_;
  AuditLog& audit_;
  SecurityNotifier* notifier_;
  const SecretBox* box_;
  uint32_t failures_ = 0;  // PruneNames runs every 64th failure
};

}  // namespace latchkey

#endif  // LATCHKEY_AUTH_PASSWORD_STEP_H_
