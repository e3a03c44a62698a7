// EmailChange: a signed-in user moves the account to a new address, which
// must be confirmed by a link sent to it; the old address gets a notice.
// The portal asks for the password (re-auth window) before Request.
#ifndef LATCHKEY_ACCOUNT_EMAIL_CHANGE_H_
#define LATCHKEY_ACCOUNT_EMAIL_CHANGE_H_

#include <cstdint>
#include <string_view>

#include "latchkey/account/link_state.h"
#include "latchkey/base/field_errors.h"
#include "latchkey/base/result.h"
#include "latchkey/services/services.h"
#include "latchkey/store/audit.h"
#include "latchkey/store/rate_limit.h"

namespace latchkey {

inline constexpr RateLimit kEmailChangePerUser{5, Seconds(3600)};
// "Someone tried to use your address" mails per address.
inline constexpr RateLimit kEmailInUseMailsPerAddress{3, Seconds(3600)};

// Not thread-safe (uses one Services).
class EmailChange {
 public:
  explicit EmailChange(Services& services);

  // Field "email": "Enter a valid email address." or "That is already
  // your address." Otherwise (empty FieldErrors) the earlier open change
  // links of the user are voided, a 48 h email_change token carrying the
  // new address is mailed to the NEW address (base_url/email/confirm?
  // token=...) and a notice goes to the OLD one. An address that belongs
  // to another account gets the same answer; nothing is issued and its
  // owner is told someone tried (at most kEmailInUseMailsPerAddress an
  // hour). Audited as user_updated ("email change requested").
  // Errors: ResourceExhausted "too many requests: try again later" past
  // kEmailChangePerUser; NotFound "no user with id N"; db errors.
  Result<FieldErrors> Request(int64_t user_id, std::string_view new_email,
                              const AuthContext& ctx);

  // Uses the link: kOk sets the account's email to the new address, marks
  // it verified and audits email_changed; kUsed/kExpired/kInvalid change
  // nothing. Errors: AlreadyExists "that email address is already
  // registered to another account" when it was taken in the meantime (the
  // link is then used up); db errors.
  Result<LinkState> Confirm(std::string_view token, const AuthContext& ctx);

 private:
  Services& s_;
};

}  // namespace latchkey

#endif  // LATCHKEY_ACCOUNT_EMAIL_CHANGE_H_
