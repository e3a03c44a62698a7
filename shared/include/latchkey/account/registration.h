// Registration: self-service sign-up, email activation and a throttled
// resend of the activation mail. The portal's /register, /activate and
// their API calls are thin doors over it.
#ifndef LATCHKEY_ACCOUNT_REGISTRATION_H_
#define LATCHKEY_ACCOUNT_REGISTRATION_H_

#include <string>
#include <string_view>

#include "latchkey/account/link_state.h"
#include "latchkey/base/field_errors.h"
#include "latchkey/base/result.h"
#include "latchkey/base/secret.h"
#include "latchkey/services/services.h"
#include "latchkey/store/audit.h"
#include "latchkey/store/rate_limit.h"

namespace latchkey {

struct RegistrationForm {
  std::string full_name;
  std::string username;
  std::string email;
  Secret password;
  Secret confirm;
};

// Resend requests counted per typed address/username and per client IP
// (429 when over); mails per account are capped silently on top.
inline constexpr RateLimit kResendPerLogin{3, Seconds(3600)};
inline constexpr RateLimit kResendPerIp{20, Seconds(3600)};
inline constexpr RateLimit kActivationMailsPerUser{3, Seconds(3600)};
// "Someone tried to register with your address" mails per address.
inline constexpr RateLimit kAttemptMailsPerAddress{3, Seconds(3600)};

// Not thread-safe (uses one Services).
class Registration {
 public:
  explicit Registration(Services& services);

  // Signs up a new account: [portal] registration must be open
  // (PermissionDenied "registration is closed" or, for invite, "accounts
  // are by invitation only: ask an administrator for an invitation";
  // invitations are AccountLinks::Invite, account/invitation.h). Per-field
  // errors (empty value when all is well):
  //   full_name  empty, or ValidateFullName's reason
  //   username   empty, ValidateUsername's reason (with [nss]
  //              local_passwd_file and [security] reserved_names_file: "the
  //              username 'deploy' is reserved for a system account"),
  //              "that username is taken"
  //   email      "enter a valid email address"
  //   password   empty, or PasswordPolicy::Check's reason (with the
  //              username and email)
  //   confirm    "the passwords do not match"
  // With no field errors the password KDF runs, and then either
  //   - a new account (active, email not verified, role "user") is created
  //     with a 48 h activation token mailed to base_url/activate?token=...,
  //     audited as user_created (detail "self-registration"), or
  //   - the email is already registered: nothing is created, the owner of
  //     the address is mailed "someone tried to register" (at most
  //     kAttemptMailsPerAddress per hour), and the SAME empty FieldErrors
  //     is returned, so the answer does not reveal the address is in use.
  // Whether login waits for activation is [portal]
  // require_email_verification (the Authenticator's business).
  // Errors: PermissionDenied as above; db/KDF errors; ReadReservedNames'
  // errors (the reserved-names file unreadable or malformed).
  Result<FieldErrors> Register(const RegistrationForm& form,
                               const AuthContext& ctx);

  // What using the activation token would give, without using it: kOk,
  // kUsed, kExpired or kInvalid. Nothing changes (a link that a mail
  // scanner opens is only looked at). Errors: db errors only.
  Result<LinkState> CheckActivation(std::string_view token);

  // Uses an activation token: kOk marks the email verified (audited as
  // email_verified); otherwise kUsed, kExpired or kInvalid, and nothing
  // changes. Errors: db errors only.
  Result<LinkState> Activate(std::string_view token, const AuthContext& ctx);

  // Mails a fresh activation link (voiding the older ones) if `login` (an
  // email or username) names an active account whose email is not yet
  // verified; otherwise does nothing. The answer is the same either way.
  // Errors: ResourceExhausted "too many requests: try again later" when
  // over kResendPerLogin (for this exact login text) or kResendPerIp
  // (ctx.rhost; "" is not counted); db errors.
  Status ResendActivation(std::string_view login, const AuthContext& ctx);

 private:
  Status SendActivation(const User& user);

  Services& s_;
};

}  // namespace latchkey

#endif  // LATCHKEY_ACCOUNT_REGISTRATION_H_
