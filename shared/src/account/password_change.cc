#include "latchkey/account/password_change.h"

namespace latchkey {

PasswordChange::PasswordChange(Services& services) : s_(services) {}

Result<OwnPasswordResult> PasswordChange::Change(
    int64_t user_id, const OwnPasswordForm& form,
    std::string_view keep_session_sha256, const AuthContext& ctx) {
  LK_ASSIGN_OR_RETURN(std::optional<User> user, s_.users().FindById(user_id));
  if (!user) return NotFound("no user with id " + std::to_string(user_id));
  OwnPasswordResult out;
  if (form.current.empty()) {
    out.errors.Add("current_password", "Enter your current password.");
  }
  if (form.password.empty()) {
    out.errors.Add("password", "Enter a new password.");
  } else if (Status st = s_.policy().Check(form.password.view(), user->username,
                                           user->email, form.current.view());
             !st.ok()) {
    out.errors.Add("password", std::string(st.message()));
  }
  if (!ConstantTimeEquals(form.password.view(), form.confirm.view())) {
    out.errors.Add("confirm", "The passwords do not match.");
  }
  // A bad form costs no KDF work and counts no failure.
  if (!out.errors.empty()) return out;

  PasswordChangeOptions options;
  options.keep_session_sha256 = std::string(keep_session_sha256);
  const Status changed = s_.accounts().ChangePassword(
      user->id, form.password, &form.current, ctx, options);
  switch (changed.code()) {
    case StatusCode::kOk:
      break;
    case StatusCode::kPermissionDenied:
      out.errors.Add("current_password",
                     "The current password is not correct.");
      return out;
    case StatusCode::kFailedPrecondition:
      out.locked = true;
      return out;
    case StatusCode::kInvalidArgument:
      out.errors.Add("password", std::string(changed.message()));
      return out;
    default:
      return changed;
  }
  // The one "password changed" notice, as a change through PAM queues it.
  LK_RETURN_IF_ERROR(s_.security_notifier().PasswordChanged(*user, ctx));
  return out;
}

}  // namespace latchkey
