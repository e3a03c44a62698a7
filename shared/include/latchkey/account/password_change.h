// PasswordChange: a signed-in user sets a new password by giving the
// current one (the portal's /password page and POST /api/v1/password). A
// thin form layer over AccountService::ChangePassword that also mails the
// "password changed" notice.
#ifndef LATCHKEY_ACCOUNT_PASSWORD_CHANGE_H_
#define LATCHKEY_ACCOUNT_PASSWORD_CHANGE_H_

#include <cstdint>
#include <string_view>

#include "latchkey/base/field_errors.h"
#include "latchkey/base/result.h"
#include "latchkey/base/secret.h"
#include "latchkey/services/services.h"
#include "latchkey/store/audit.h"

namespace latchkey {

struct OwnPasswordForm {
  Secret current;   // field "current_password"
  Secret password;  // field "password"
  Secret confirm;   // field "confirm"
};

struct OwnPasswordResult {
  // "current_password": "Enter your current password." / "The current
  // password is not correct."; "password": "Enter a new password." or the
  // policy's reason; "confirm": "The passwords do not match."
  FieldErrors errors;
  bool locked = false;  // the account is locked: nothing was changed
  bool ok() const { return errors.empty() && !locked; }
};

// Not thread-safe (uses one Services).
class PasswordChange {
 public:
  explicit PasswordChange(Services& services);

  // Checks the form (empty fields, confirm mismatch) without any KDF work,
  // then runs AccountService::ChangePassword with the current password: a
  // wrong one counts as a failed login (see there) and gives the
  // "current_password" error; the policy (with the username, email and
  // current password) gives the "password" error. On success every portal
  // session of the user ends except the one whose id_sha256 is
  // `keep_session_sha256` (empty: all end), open reset links are voided,
  // password_changed is audited and a "password changed" mail is queued
  // (SecurityNotifier::PasswordChanged, as PAM's passwd does: only to a
  // verified address). Errors: NotFound "no user with id N"; db/KDF
  // errors.
  Result<OwnPasswordResult> Change(int64_t user_id, const OwnPasswordForm& form,
                                   std::string_view keep_session_sha256,
                                   const AuthContext& ctx);

 private:
  Services& s_;
};

}  // namespace latchkey

#endif  // LATCHKEY_ACCOUNT_PASSWORD_CHANGE_H_
