// Authenticator: THE login service both doors call. It never throws and
// turns every database error into kUnavailable.
//
// Authenticate, in order:
//   1. empty password -> kBadCredentials (after a dummy KDF; not counted);
//   2. look the login up (username, or email if it contains '@') and ask
//      whether the address is over ip_max_failures: one query
//      (LookUpLogin);
//   3. the password step (password_step.h): address over its limit ->
//      kThrottled; the attempt reserved for the account, or for the name
//      tried when no account has it (unknown names lock like accounts);
//      no reservation -> kLocked after a dummy KDF; the KDF (a dummy one
//      for an unknown name); a wrong password counts (possibly starting a
//      lock: lock_started) -> kBadCredentials, user_known = false for an
//      unknown name;
//   4. a wrong password for an account that would be asked for a code
//      (TOTP enrolled and mode != kOff, or mode kRequired) ->
//      kSecondFactorNeeded all the same, with a challenge whose
//      password_ok is false: the prompt depends on enrolment only, and
//      CompleteSecondFactor gives the verdict;
//   5. right password, but inactive -> kInactive, admin-locked -> kLocked,
//      email unverified (when required) -> kUnverified, account expired ->
//      kExpired (only ever revealed after a right password; the attempt is
//      given back);
//   6. second factor wanted -> kSecondFactorNeeded with a challenge
//      (password_ok); the attempt is given back without resetting the
//      counter, and the code step reserves its own;
//   7. else kOk: the failure counter reset and the audit row, in one
//      transaction. last_login_at is the doors' to write when a session
//      starts (pam_latchkey's session phase, the portal's sign-in).
// A stored hash whose cost is above its cap (PasswordHasher::Verify) is
// refused like a wrong password, after a dummy KDF, with the audit detail
// "... needs reset". A right password whose stored hash is not the current
// scheme and parameters, or that matched only in its raw non-NFC bytes, is
// rehashed (steps 5 to 7), replacing the old hash only if it
// is still the one that was verified. An expired password
//      still gives kOk with password_expired = true (the PAM account phase
//      maps it to PAM_NEW_AUTHTOK_REQD; the portal forces a change).
// Each outcome but kSecondFactorNeeded writes one audit row (two when a
// lock begins); kUnavailable writes only the syslog line. The rows an
// attempt writes after the KDF (counters, address count, audit, mail)
// commit in one transaction; an unknown user runs the same statements as
// a wrong password, against its name_lockouts row.
//
// Mails (through the SecurityNotifier, when one is given; see
// security_notifier.h): a failure that begins a lock queues "account
// locked", a replayed TOTP code queues "code used twice", and every kOk
// queues "new login" when [mail] login_notification is on (off adds no
// database work). An unknown user never causes a mail. A mail that cannot
// be queued never changes the outcome, unless the database itself failed
// (kUnavailable, as the attempt's other rows would have).
//
// Timing: an unknown user, a locked account and a locked unknown name each
// cost a KDF at the current parameters. A wrong password against an
// imported legacy hash ($6$, $y$, bcrypt, PBKDF2) costs that hash's own
// work, which may differ; such hashes are replaced by the current scheme
// at the next successful login.
#ifndef LATCHKEY_AUTH_AUTHENTICATOR_H_
#define LATCHKEY_AUTH_AUTHENTICATOR_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "latchkey/auth/lockout_store.h"
#include "latchkey/auth/password_step.h"
#include "latchkey/auth/security_notifier.h"
#include "latchkey/auth/totp_step.h"
#include "latchkey/base/clock.h"
#include "latchkey/base/result.h"
#include "latchkey/base/secret.h"
#include "latchkey/crypto/password_hash.h"
#include "latchkey/db/db.h"
#include "latchkey/store/audit.h"
#include "latchkey/store/user_store.h"

namespace latchkey {

enum class AuthStatus {
  kOk,
  kBadCredentials,      // wrong/empty password, unknown user, wrong code
  kLocked,              // password lock (or the name's), or admin lock
  kInactive,            // deactivated (right password)
  kUnverified,          // email not verified and required (right password)
  kExpired,             // account expired (right password)
  kUnavailable,         // database unreachable or failing
  kThrottled,           // too many failures from this address
  kSecondFactorNeeded,  // password right; call CompleteSecondFactor
};
// "ok", "bad_credentials", "locked", ...
std::string_view AuthStatusName(AuthStatus status);

enum class TotpMode { kAuto, kRequired, kOff };

struct AuthOptions {
  // kAuto: ask for a code iff the user has TOTP. kRequired: always (a user
  // without TOTP cannot log in). kOff: never.
  TotpMode totp = TotpMode::kAuto;
  bool require_verified_email = false;
  // Look the login up as a username only, never as an email. The PAM module
  // sets it: PAM_USER must be the Unix name the session will run as.
  bool usernames_only = false;
  // The uid the host's NSS gives the name (PAM; see name_on_host.h). An
  // account that does not hold it (HoldsHostUid) is answered exactly as an
  // unknown name (step 4): its password is never tried.
  std::optional<int64_t> host_uid;
};

// Proof that the password step succeeded, waiting for the second factor.
inline constexpr Seconds kChallengeTtl{300};

// The portal keeps it on the server (ChallengeStore, one column per field:
// a new field needs a column there too).
struct SecondFactorChallenge {
  int64_t user_id = 0;
  std::string username;
  int64_t issued_at = 0;  // Unix seconds
  // Whether the password before this step was right. False: the code
  // step is shown all the same, but fails without checking the code. A
  // door that carries the challenge must keep this field where the browser
  // cannot read it (or the prompt would reveal the password's verdict):
  // the portal's ChallengeStore keeps it on the server.
  bool password_ok = false;
};

struct AuthOutcome {
  AuthStatus status = AuthStatus::kUnavailable;
  std::optional<User> user;  // set when the login names a known user
  bool user_known = false;   // false: map to PAM_USER_UNKNOWN if needed
  std::optional<int64_t> locked_until;  // kLocked, or lock_started
  bool lock_started = false;            // this failure began a lock
  bool code_replayed = false;           // the TOTP code was used before
  bool recovery_code_used = false;
  bool password_expired = false;  // kOk but the password must change
  // kThrottled and kLocked: when to try again (lockout.h's
  // AddressRetryAfter, LockRetryAfter); 0 otherwise or when a lock has no
  // end. Doors send it as Retry-After.
  Seconds retry_after{0};
  std::optional<SecondFactorChallenge> challenge;  // kSecondFactorNeeded
};

// Not thread-safe (uses stores bound to one Connection).
class Authenticator {
 public:
  // `db` is the connection the stores use: the writes of one attempt are
  // committed together (one log flush per attempt). `notifier` (may be
  // null: no mails) must use the same connection.
  Authenticator(db::Connection& db, const Clock& clock,
                const PasswordHasher& hasher, UserStore& users,
                LockoutStore& lockouts, PasswordStep& password_step,
                TotpStep& second_factor, AuditLog& audit,
                SecurityNotifier* notifier = nullptr);

  AuthOutcome Authenticate(std::string_view login, const Secret& password,
                           const AuthContext& ctx,
                           const AuthOptions& options = {});

  // The second step. A challenge whose password_ok is false gives
  // kBadCredentials without looking at the code (nothing more counted: the
  // password's failure was). Otherwise the code is an attempt of its own:
  // reserved like a password (none: kLocked). A code of 6 to 8 digits
  // (spaces ignored) is tried as TOTP, anything else as a recovery code. A
  // wrong code counts as an account failure (and may lock); a replayed
  // TOTP code is refused (kBadCredentials, code_replayed), audited and
  // mailed but not counted. A challenge older than kChallengeTtl gives
  // kBadCredentials. An inactive or admin-locked account is refused.
  // Success is the same as step 7 above.
  AuthOutcome CompleteSecondFactor(const SecondFactorChallenge& challenge,
                                   std::string_view code,
                                   const AuthContext& ctx);

 private:
  // Authenticate and CompleteSecondFactor without retry_after, which
  // WithRetryAfter fills in from the status.
  AuthOutcome PasswordFirst(std::string_view login, const Secret& password,
                            const AuthContext& ctx, const AuthOptions& options);
  AuthOutcome CodeStep(const SecondFactorChallenge& challenge,
                       std::string_view code, const AuthContext& ctx);
  AuthOutcome WithRetryAfter(AuthOutcome out) const;
  AuthOutcome AfterRightPassword(User user, const Secret& password,
                                 std::string_view login, const AuthContext& ctx,
                                 const AuthOptions& options, bool rehash);
  AuthOutcome Succeed(User user, std::string_view tried, const AuthContext& ctx,
                      std::string_view detail);
  AuthOutcome CodeFailed(User user, std::string_view tried,
                         const AuthContext& ctx, std::string_view detail,
                         uint32_t failed_logins);
  AuthOutcome Unavailable(std::string_view tried, const AuthContext& ctx,
                          const Status& error);
  // Replaces the stored hash with a fresh one of `password` (Verify said
  // it should: old scheme or parameters, or a match of the raw bytes of a
  // non-NFC password).
  void Rehash(const User& user, const Secret& password, const AuthContext& ctx);

  db::Connection& db_;
  const Clock& clock_;
  const PasswordHasher& hasher_;
  UserStore& users_;
  LockoutStore& lockout_store_;
  PasswordStep& password_step_;
  TotpStep& totp_step_;
  AuditLog& audit_;
  SecurityNotifier* notifier_;
};

}  // namespace latchkey

#endif  // LATCHKEY_AUTH_AUTHENTICATOR_H_
