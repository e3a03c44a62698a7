// PasswordReset: "forgot my password" by emailed link. The portal's
// /forgot and /reset pages and their API calls are thin doors over it.
#ifndef LATCHKEY_ACCOUNT_PASSWORD_RESET_H_
#define LATCHKEY_ACCOUNT_PASSWORD_RESET_H_

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

// Requests counted per typed address and per client IP (429 when over);
// reset mails per account are capped silently on top.
inline constexpr RateLimit kForgotPerAddress{3, Seconds(3600)};
inline constexpr RateLimit kForgotPerIp{20, Seconds(3600)};
inline constexpr RateLimit kResetMailsPerUser{3, Seconds(3600)};

struct ResetResult {
  LinkState link = LinkState::kOk;
  FieldErrors errors;  // "password", "confirm" (only when link is kOk)
  // The password was set.
  bool ok() const { return link == LinkState::kOk && errors.empty(); }
};

// Not thread-safe (uses one Services).
class PasswordReset {
 public:
  explicit PasswordReset(Services& services);

  // "Forgot my password" comes in two parts, so the answer's timing does
  // not depend on whether an account uses the address: CheckForgot, then
  // (the portal: after answering) SendResetLink. The answer is the same
  // either way.
  //
  // The part that costs the same for every address: the limits and the
  // address check. Counted against kForgotPerAddress (this address, known
  // or not) and kForgotPerIp (ctx.rhost; "" is not counted). On success
  // `errors` is empty, or has field "email" only when the text is not an
  // email address at all; with empty `errors`, `address` is the
  // normalized address to give SendResetLink. Errors: ResourceExhausted
  // "too many requests: try again later"; db errors.
  struct ForgotCheck {
    FieldErrors errors;
    std::string address;
  };
  Result<ForgotCheck> CheckForgot(std::string_view email,
                                  const AuthContext& ctx);

  // The part that depends on the address: if `address` (from CheckForgot)
  // belongs to an active account under kResetMailsPerUser, issues a reset
  // link (base_url/reset?token=..., valid 1 h) and queues its mail in one
  // transaction; otherwise does nothing.
  // A known active account gets a `reset_requested` audit row (ctx's
  // service and address), "link sent" or "not sent: over the limit".
  // Errors: db errors.
  Status SendResetLink(std::string_view address, const AuthContext& ctx);

  // What the reset page should show for `token` before the form is sent.
  Result<LinkState> CheckLink(std::string_view token);

  // Sets a new password through a reset token. The form is checked first
  // (the token is not used up by a bad form): password empty or refused by
  // the policy (with the username and email), confirm mismatch. Then the
  // token is used atomically (two racing resets: one wins, the other gets
  // kUsed) and AccountService::ChangePassword runs as a reset: EVERY
  // session of the account ends and the other reset links are voided. TOTP
  // and recovery codes are left alone. The email counts as verified (the
  // link reached it), and a "password changed" mail is queued.
  // kInvalid also for an account that is gone or deactivated.
  // Errors: db/KDF errors.
  Result<ResetResult> Reset(std::string_view token, const Secret& password,
                            const Secret& confirm, const AuthContext& ctx);

 private:
  Services& s_;
};

}  // namespace latchkey

#endif  // LATCHKEY_ACCOUNT_PASSWORD_RESET_H_
