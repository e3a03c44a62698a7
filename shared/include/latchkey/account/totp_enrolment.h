// TotpEnrolment: turning TOTP on (with a QR code and a confirming code),
// off, and making new recovery codes. The portal's /security page and its
// API calls are thin doors over it; it asks for the password (re-auth
// window) before Disable and RegenerateRecoveryCodes.
//
// Nothing is stored until the user proves their app has the key: Begin
// returns the new key sealed (AES-256-GCM under the secret key, bound to the
// user and an expiry) as an opaque `pending` string for the portal to carry
// in a hidden form field or the session. Confirm opens it, checks the code
// and only then enables TOTP.
#ifndef LATCHKEY_ACCOUNT_TOTP_ENROLMENT_H_
#define LATCHKEY_ACCOUNT_TOTP_ENROLMENT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "latchkey/base/field_errors.h"
#include "latchkey/base/result.h"
#include "latchkey/base/secret.h"
#include "latchkey/services/services.h"
#include "latchkey/store/audit.h"

namespace latchkey {

inline constexpr Seconds kTotpEnrolmentTtl{900};

struct TotpSetup {
  std::string pending;     // opaque (base64url); give it back to Confirm
  Secret secret_base32;    // the key for typing in by hand (no padding)
  Secret otpauth_uri;      // otpauth://totp/ISSUER:USERNAME?secret=...
  std::string qr_svg;      // QrSvg(otpauth_uri): inline <svg>, no escaping
  int64_t expires_at = 0;  // Unix seconds; Confirm refuses it afterwards
};

struct TotpConfirmation {
  FieldErrors errors;  // "code": "Enter the 6-digit code from your app." /
                       // "That code is not correct."
  std::vector<Secret> recovery_codes;  // kRecoveryCodeCount; show once
  bool ok() const { return errors.empty(); }
};

// Not thread-safe (uses one Services). Errors common to every call:
// FailedPrecondition when the secret key file is missing (see Services);
// NotFound "no user with id N"; db errors.
class TotpEnrolment {
 public:
  explicit TotpEnrolment(Services& services);

  // A new key for the user, not yet stored. Errors also:
  // FailedPrecondition "two-factor authentication is already on" (turn it
  // off first).
  Result<TotpSetup> Begin(int64_t user_id);

  // Checks `code` against the pending key at the clock's now (the usual
  // window). Right: TOTP is enabled with the code's step recorded (so the
  // same code cannot log in), kRecoveryCodeCount recovery codes replace
  // any old ones, totp_enabled is audited and a mail is queued. Wrong: a
  // field error, nothing stored. Errors also: FailedPrecondition "this
  // set-up has expired: start again" for a pending string that is
  // malformed, expired, tampered with or another user's;
  // FailedPrecondition "two-factor authentication is already on".
  Result<TotpConfirmation> Confirm(int64_t user_id, std::string_view pending,
                                   std::string_view code,
                                   const AuthContext& ctx);

  // Turns TOTP off (key, last step and recovery codes removed), audits
  // totp_disabled and queues a mail. Errors also: FailedPrecondition
  // "two-factor authentication is not on".
  Status Disable(int64_t user_id, const AuthContext& ctx);

  // Replaces the recovery codes and returns the new ones (show once);
  // audits recovery_codes_regenerated and queues a mail. Errors also:
  // FailedPrecondition "two-factor authentication is not on".
  Result<std::vector<Secret>> RegenerateRecoveryCodes(int64_t user_id,
                                                      const AuthContext& ctx);

 private:
  Result<User> LoadUser(int64_t user_id);

  Services& s_;
};

}  // namespace latchkey

#endif  // LATCHKEY_ACCOUNT_TOTP_ENROLMENT_H_
