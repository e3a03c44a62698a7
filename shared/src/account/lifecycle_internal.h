// Private: small pieces shared by the account-lifecycle services
// (registration, password reset, email change, profile, TOTP enrolment).
#ifndef LATCHKEY_SRC_ACCOUNT_LIFECYCLE_INTERNAL_H_
#define LATCHKEY_SRC_ACCOUNT_LIFECYCLE_INTERNAL_H_

#include <optional>
#include <string>
#include <string_view>

#include "latchkey/account/link_state.h"
#include "latchkey/account/password_reset.h"
#include "latchkey/base/field_errors.h"
#include "latchkey/base/result.h"
#include "latchkey/base/secret.h"
#include "latchkey/store/rate_limit.h"
#include "latchkey/store/token_store.h"

namespace latchkey {
class Services;
struct User;
}  // namespace latchkey

namespace latchkey::internal {

// Issues a reset token for `user` (valid kResetTokenTtl) and queues the
// "reset your password" mail with its link, in the caller's transaction:
// the one home of that mail, for /forgot and for an admin's reset mail.
// Errors: db errors.
Status QueueResetMail(Services& s, const User& user);

// The new-password form of a link page (reset, invitation): "password"
// empty or refused by the policy (with the account's username and email),
// "confirm" not the same. Empty when all is well.
FieldErrors CheckNewPassword(Services& s, const User& user,
                             const Secret& password, const Secret& confirm);

// The second half of a link that sets a password (reset, invitation), once
// the link's state and the form were checked: uses the token (a lost race
// sets `out.link`), then sets `password` on `user_id` as a reset
// (AccountService::ChangePassword; `note` appended to its audit detail). A
// policy refusal that came up in between sets out.errors["password"].
// Returns whether the password was set. Errors: db/KDF errors.
Result<bool> SetPasswordByLink(Services& s, std::string_view token,
                               TokenPurpose purpose, int64_t user_id,
                               const Secret& password, const AuthContext& ctx,
                               std::string_view note, ResetResult& out);

// What a page should say about a token in `state` (kValid: kOk).
LinkState LinkStateOf(TokenState state);

// A one-use link's token, used for `purpose`: `used` holds it, or, for a
// token that is unknown, already used or expired (not an error here),
// `used` is empty and `failed` says which (a token being used right now
// by another request counts as used).
// Errors: db errors.
struct LinkUse {
  std::optional<ConsumedToken> used;
  LinkState failed = LinkState::kInvalid;
};
Result<LinkUse> UseLink(TokenStore& tokens, std::string_view token,
                        TokenPurpose purpose);

// Counts a hit; ResourceExhausted "too many requests: try again later" when
// over the limit. An empty `subject` (e.g. no client address) is not
// counted.
Status RequireWithinLimit(RateLimiter& limiter, std::string_view kind,
                          std::string_view subject, const RateLimit& limit);

inline constexpr char kTooManyRequests[] = "too many requests: try again later";

}  // namespace latchkey::internal

#endif  // LATCHKEY_SRC_ACCOUNT_LIFECYCLE_INTERNAL_H_
