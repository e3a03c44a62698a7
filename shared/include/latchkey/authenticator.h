// Authenticator: THE login service both doors call. It never throws and
// turns every database error into kUnavailable.
//
// Authenticate, in order:
//   1. empty password -> kBadCredentials (after a dummy KDF);
//   2. the address is over ip_max_failures in its window -> kThrottled;
//   3. look the login up (username, or email if it contains '@'); 2 and 3
//      are one query (LookUpLogin);
//   4. unknown -> a dummy KDF plus the same database work as a wrong
//      password -> kBadCredentials with user_known = false;
//   5. locked -> kLocked (no KDF, nothing counted);
//   6. wrong password -> the failure counts for the account (possibly
//      starting a lock: lock_started) and the address -> kBadCredentials;
//   7. right password, but inactive -> kInactive, email unverified (when
//      required) -> kUnverified, account expired -> kExpired (only ever
//      revealed after a right password);
//   8. TOTP enrolled and mode != kOff, or mode kRequired ->
//      kSecondFactorNeeded with a challenge (the failure counter is not
//      reset until the second factor succeeds);
//   9. else kOk: the failure counter reset (when it was not 0) and the
//      audit row. last_login_at is the doors' to write when a session
//      starts (pam_latchkey's session phase, the portal's sign-in).
// A stored hash whose cost is above its cap (PasswordHasher::Verify) is
// refused like a wrong password, after a dummy KDF, with the audit detail
// "... needs reset". A right password whose stored hash is not the current
// scheme and parameters, or that matched only in its raw non-NFC bytes, is
// rehashed (steps 7 to 9), replacing the old hash only if it
// is still the one that was verified. An expired password
//      still gives kOk with password_expired = true (the PAM account phase
//      maps it to PAM_NEW_AUTHTOK_REQD; the portal forces a change).
// Each outcome but kSecondFactorNeeded writes one audit row (two when a
// lock begins); kUnavailable writes only the syslog line. The rows an
// attempt writes (counters, address count, audit, mail) commit in one
// transaction, so each attempt costs one log flush; an unknown user runs
// the same statements as a wrong password.
//
// Mails (through the SecurityNotifier, when one is given; see
// security_notifier.h): a failure that begins a lock queues "account
// locked", a replayed TOTP code queues "code used twice", and every kOk
// queues "new login" when [mail] login_notification is on (off adds no
// database work). An unknown user never causes a mail. A mail that cannot
// be queued never changes the outcome, unless the database itself failed
// (kUnavailable, as the attempt's other rows would have).
//
// Timing: an unknown user costs a KDF at the current parameters. A wrong
// password against an imported legacy hash ($6$, $y$, bcrypt, PBKDF2)
// costs that hash's own work, which may differ; such hashes are replaced
// by the current scheme at the next successful login.
#ifndef LATCHKEY_AUTHENTICATOR_H_
#define LATCHKEY_AUTHENTICATOR_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "latchkey/audit.h"
#include "latchkey/clock.h"
#include "latchkey/db.h"
#include "latchkey/password_hash.h"
#include "latchkey/result.h"
#include "latchkey/second_factor.h"
#include "latchkey/secret.h"
#include "latchkey/security_notifier.h"
#include "latchkey/throttle.h"
#include "latchkey/user_store.h"

namespace latchkey {

enum class AuthStatus {
  kOk,
  kBadCredentials,      // wrong/empty password, unknown user, wrong code
  kLocked,              // account locked (locked_until set)
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
                Throttle& throttle, SecondFactor& second_factor,
                AuditLog& audit, SecurityNotifier* notifier = nullptr);

  AuthOutcome Authenticate(std::string_view login, const Secret& password,
                           const AuthContext& ctx,
                           const AuthOptions& options = {});

  // The second step. A code of 6 to 8 digits (spaces ignored) is tried as
  // TOTP, anything else as a recovery code. A wrong code counts as an
  // account failure (and may lock); a replayed TOTP code is refused
  // (kBadCredentials, code_replayed), audited and mailed but not counted. A
  // challenge older than kChallengeTtl gives kBadCredentials. Success is
  // the same as step 9 above.
  AuthOutcome CompleteSecondFactor(const SecondFactorChallenge& challenge,
                                   std::string_view code,
                                   const AuthContext& ctx);

 private:
  AuthOutcome Succeed(User user, std::string_view tried, const AuthContext& ctx,
                      std::string_view detail);
  AuthOutcome Fail(User user, std::string_view tried, const AuthContext& ctx,
                   AuditEvent event, std::string_view detail);
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
  Throttle& throttle_;
  SecondFactor& second_factor_;
  AuditLog& audit_;
  SecurityNotifier* notifier_;
};

}  // namespace latchkey

#endif  // LATCHKEY_AUTHENTICATOR_H_
