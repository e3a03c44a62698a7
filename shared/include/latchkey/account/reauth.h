// Re-authentication: a signed-in user types their password again before a
// sensitive change (TOTP off, email change, new recovery codes). A right
// password opens the session's re-authentication window for
// kReauthWindow; within it the changes that allow it (ReauthMode::kWindow)
// need no password.
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
#include "latchkey/config/config.h"
#include "latchkey/services/services.h"
#include "latchkey/store/audit.h"
#include "latchkey/store/session_store.h"

namespace latchkey {

// How long a re-entered password counts for one session.
inline constexpr Seconds kReauthWindow{600};

// Whether `session` re-entered its password within kReauthWindow before
// `now` (Unix seconds). A reauth_at in the future (a clock step back) does
// not count.
bool ReauthWindowOpen(const Session& session, int64_t now);
// The same for the admin area's window: password AND TOTP code re-entered
// (GateAdmin) within kReauthWindow before `now`.
bool AdminReauthWindowOpen(const Session& session, int64_t now);

// Whether GateEveryFactor would let `session` of `user` through at `now`
// without asking: the admin window (password and code) for an account
// with TOTP, the password window for one without.
bool EveryFactorWindowOpen(const Session& session, const User& user,
                           int64_t now);

enum class ReauthMode {
  kWindow,    // open within the session's window; otherwise the password
              // (if given) is checked
  kPassword,  // the password is always checked (TOTP disable)
};

enum class ReauthStatus {
  kOk,             // go ahead; the window is open until window_ends_at
  kRequired,       // no password given and the window is closed
  kWrongPassword,  // also an empty one where it was checked
  kWrongCode,      // GateAdmin: the password was right, the code was not
                   // (or was used before); doors say "password or code"
  kLocked,         // the account is locked: the password was not checked
  kThrottled,      // too many failures from this address
};

struct ReauthOutcome {
  ReauthStatus status = ReauthStatus::kWrongPassword;
  std::optional<int64_t> locked_until;  // kLocked, or a lock this began
  bool lock_started = false;            // this failure began a lock
  // kThrottled and kLocked: when to try again (lockout.h); 0 otherwise.
  Seconds retry_after{0};
  int64_t window_ends_at = 0;  // kOk: Unix seconds
};

// Not thread-safe (uses one Services and one SessionStore).
class Reauthentication {
 public:
  Reauthentication(Services& services, SessionStore& sessions);

  // The gate in front of a sensitive change for `session` (whose user is
  // session.user_id). kWindow with the window open: kOk without any check.
  // Otherwise an empty `password` gives kRequired (no work, nothing
  // counted), and a given one goes through the password step
  // (password_step.h), as a login's would: address over its limit:
  // kThrottled; no reservation (locked): kLocked, audited as
  // refused_locked, after a dummy KDF; wrong: the failure counts for the
  // account (possibly starting a lock) and the address, audited as
  // login_failure "wrong password at re-authentication"; right: the
  // account's failure counter is reset and the session's window starts now
  // (SessionStore::MarkReauthenticated; no audit row: the change that
  // follows is audited). Errors: NotFound "no user with id N"; db errors.
  Result<ReauthOutcome> Gate(const Session& session, const Secret& password,
                             ReauthMode mode, const AuthContext& ctx);

  // The gate in front of every state-changing admin action: password AND
  // TOTP code. With the admin window open (AdminReauthWindowOpen): kOk
  // without any check. An empty password or code: kRequired (nothing
  // counted). Otherwise the password goes through the password step as in
  // Gate (kThrottled, kLocked, kWrongPassword; the code is then neither
  // checked nor used up). A right password leaves the attempt reserved for
  // the code, as a login does: the code is one attempt of its own (a
  // locked account: kLocked); a right, unused code resets the failure
  // count and opens both windows (MarkAdminReauthenticated); a wrong one
  // counts as a failed login (totp_wrong "wrong verification code at
  // re-authentication") and a replayed one is given back (totp_replayed):
  // both kWrongCode. An account without TOTP: kWrongCode, counted. Errors:
  // NotFound "no user with id N"; db errors.
  Result<ReauthOutcome> GateAdmin(const Session& session,
                                  const Secret& password, std::string_view code,
                                  const AuthContext& ctx);

  // The gate in front of a change that gets past every factor of the
  // account at once (adding an SSH key: sshd then asks for neither the
  // password nor the code). An account with TOTP: exactly GateAdmin (the
  // password AND a code, the same window, counted and audited the same),
  // whether or not it is an admin. An account without TOTP has no code to
  // ask for: Gate(kWindow) (the password; kRequired when it is empty and
  // the window is closed), and the door says that enrolling TOTP would
  // protect this better. Errors: NotFound "no user with id N"; db errors.
  Result<ReauthOutcome> GateEveryFactor(const Session& session,
                                        const Secret& password,
                                        std::string_view code,
                                        const AuthContext& ctx);

 private:
  // `settle`: a right password resets the account's failure count (false:
  // the attempt stays reserved for a code that follows).
  Result<ReauthOutcome> CheckPassword(const User& user, const Secret& password,
                                      const AuthContext& ctx, bool settle);
  Result<ReauthOutcome> CheckCode(const User& user, std::string_view code,
                                  const AuthContext& ctx);
  Result<User> FindUser(int64_t user_id);

  Services& s_;
  SessionStore& sessions_;
};

}  // namespace latchkey

#endif  // LATCHKEY_ACCOUNT_REAUTH_H_
