#include "latchkey/account/reauth.h"

namespace latchkey {

std::string_view ReauthStatusName(ReauthStatus status) {
  switch (status) {
    case ReauthStatus::kOk:
      return "ok";
    case ReauthStatus::kWrongPassword:
      return "wrong_password";
    case ReauthStatus::kLocked:
      return "locked";
    case ReauthStatus::kThrottled:
      return "throttled";
  }
  return "wrong_password";
}

Reauthentication::Reauthentication(Services& services) : s_(services) {}

Result<ReauthOutcome> Reauthentication::Check(int64_t user_id,
                                              const Secret& password,
                                              const AuthContext& ctx) {
  LK_ASSIGN_OR_RETURN(std::optional<User> found, s_.users().FindById(user_id));
  if (!found) return NotFound("no user with id " + std::to_string(user_id));
  const User& user = *found;
  LK_ASSIGN_OR_RETURN(
      PasswordCheck check,
      s_.password_step().Check(&user, "", user.username, password, ctx,
                               PasswordUse::kReauth, std::nullopt));
  ReauthOutcome out;
  out.lock_started = check.lock_started;
  out.locked_until = check.locked_until;
  switch (check.verdict) {
    case PasswordVerdict::kRight:
      LK_RETURN_IF_ERROR(s_.lockout_store().RecordAccountSuccess(user.id));
      out.status = ReauthStatus::kOk;
      break;
    case PasswordVerdict::kWrong:
      out.status = ReauthStatus::kWrongPassword;
      break;
    case PasswordVerdict::kLocked:
      out.status = ReauthStatus::kLocked;
      break;
    case PasswordVerdict::kThrottled:
      out.status = ReauthStatus::kThrottled;
      break;
  }
  return out;
}

}  // namespace latchkey
