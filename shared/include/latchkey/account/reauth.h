// Reauthentication: a signed-in user types their password again before a
// sensitive change (TOTP off, email change, new recovery codes; see
// session_store.h's kReauthWindow). The portal marks the session with
// SessionStore::MarkReauthenticated when this says kOk.
//
// A wrong password here is a failed login like any other: it counts towards
// the account's lockout and the address limit and is audited, so the
// password box of a signed-in session is no cheaper to guess through than
// the login page.
#ifndef LATCHKEY_ACCOUNT_REAUTH_H_
#define LATCHKEY_ACCOUNT_REAUTH_H_

#include <cstdint>
#include <optional>
#include <string_view>

#include "latchkey/base/result.h"
#include "latchkey/base/secret.h"
#include "latchkey/services/services.h"
#include "latchkey/store/audit.h"

namespace latchkey {

enum class ReauthStatus {
  kOk,
  kWrongPassword,  // also an empty password (after the same KDF work)
  kLocked,         // the account is locked: the password was not checked
  kThrottled,      // too many failures from this address
};
// "ok", "wrong_password", "locked", "throttled".
std::string_view ReauthStatusName(ReauthStatus status);

struct ReauthOutcome {
  ReauthStatus status = ReauthStatus::kWrongPassword;
  std::optional<int64_t> locked_until;  // kLocked, or a lock this began
  bool lock_started = false;            // this failure began a lock
};

// Not thread-safe (uses one Services).
class Reauthentication {
 public:
  explicit Reauthentication(Services& services);

  // Checks `password` for user `user_id` through the password step
  // (password_step.h), as a login does. Address over its limit:
  // kThrottled. No reservation (locked): kLocked, audited as
  // refused_locked, after a dummy KDF. Wrong (also empty): the failure
  // counts for the account (possibly starting a lock, audited as
  // account_locked) and the address, audited as login_failure "wrong
  // password at re-authentication". Right: the account's failure counter
  // is reset (no audit row: the change that follows is audited). Errors:
  // NotFound "no user with id N"; db errors.
  Result<ReauthOutcome> Check(int64_t user_id, const Secret& password,
                              const AuthContext& ctx);

 private:
  Services& s_;
};

}  // namespace latchkey

#endif  // LATCHKEY_ACCOUNT_REAUTH_H_
