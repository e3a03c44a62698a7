// The sign-in steps shared by the login pages and the login API: run the
// core's Authenticator, count the outcome in the metrics, and say what to
// tell the person (one fixed message per outcome: a wrong password and an
// unknown user read the same; a locked account does not say whether the
// password was right).
#ifndef LATCHKEY_PORTAL_LOGIN_FLOW_H_
#define LATCHKEY_PORTAL_LOGIN_FLOW_H_

#include <optional>
#include <string>
#include <string_view>

#include "latchkey/auth/authenticator.h"
#include "latchkey/base/secret.h"
#include "portal/context.h"

namespace latchkey::portal {

struct LoginVerdict {
  AuthStatus status = AuthStatus::kUnavailable;
  int http_status = 503;
  std::string_view code;     // API error code ("" for kOk / second factor)
  std::string_view message;  // for the person ("" for kOk / second factor)
  Seconds retry_after{0};    // kThrottled / kLocked: the core's outcome
  std::optional<User> user;  // kOk
  // kSecondFactorNeeded: the id of the challenge, kept on the server
  // (ChallengeStore) and bound to this browser's pre-session cookie.
  std::string challenge;
};

// The password step for `login` (username or email).
LoginVerdict PasswordStep(Context& ctx, std::string_view login,
                          const Secret& password);

// The second step, for a challenge id (from the lk_2fa cookie or the API
// body) and a TOTP or recovery code. The challenge is used up by this
// attempt, right or wrong. One that does not exist, is used up, has expired
// or was issued to another browser (pre-session cookie) gives
// kBadCredentials with code "step_expired".
LoginVerdict SecondFactorStep(Context& ctx, std::string_view challenge,
                              std::string_view code);

// After kOk: a new session (and its cookie); the challenge cookie goes.
Status FinishLogin(Context& ctx, const User& user);

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_LOGIN_FLOW_H_
