#include "latchkey/reauth.h"

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
  ReauthOutcome out;
  if (const std::optional<int64_t> until = s_.throttle().AccountLocked(user)) {
    LK_RETURN_IF_ERROR(s_.audit().Record(
        AuditEvent::kRefusedLocked, user.id, user.username, ctx,
        AuditOutcome::kFail, "re-authentication while locked"));
    out.status = ReauthStatus::kLocked;
    out.locked_until = until;
    return out;
  }
  LK_ASSIGN_OR_RETURN(const bool blocked, s_.throttle().IpBlocked(ctx.rhost));
  if (blocked) {
    out.status = ReauthStatus::kThrottled;
    return out;
  }
  bool right = false;
  if (password.empty()) {
    s_.hasher().DummyVerify("");
  } else {
    Result<bool> verified =
        s_.hasher().Verify(password.view(), user.password_hash);
    // A hash the hasher cannot read matches nothing.
    if (!verified.ok() &&
        verified.status().code() != StatusCode::kInvalidArgument) {
      return verified.status();
    }
    right = verified.ok() && *verified;
  }
  if (right) {
    LK_RETURN_IF_ERROR(s_.throttle().RecordAccountSuccess(user.id));
    out.status = ReauthStatus::kOk;
    return out;
  }

  // The rows of one failure commit together, as a failed login's do.
  LK_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Start(s_.db()));
  LK_ASSIGN_OR_RETURN(AccountFailure failure,
                      s_.throttle().RecordAccountFailure(user.id));
  LK_RETURN_IF_ERROR(s_.throttle().RecordIpFailure(ctx.rhost));
  LK_RETURN_IF_ERROR(s_.audit().Record(AuditEvent::kLoginFailure, user.id,
                                       user.username, ctx, AuditOutcome::kFail,
                                       "wrong password at re-authentication"));
  if (failure.lock_started) {
    const int64_t until = failure.locked_until.value_or(0);
    LK_RETURN_IF_ERROR(s_.audit().Record(
        AuditEvent::kAccountLocked, user.id, user.username, ctx,
        AuditOutcome::kFail, "locked until " + std::to_string(until)));
    LK_RETURN_IF_ERROR(s_.security_notifier().AccountLocked(user, until, ctx));
  }
  LK_RETURN_IF_ERROR(tx.Commit());
  out.status = ReauthStatus::kWrongPassword;
  out.lock_started = failure.lock_started;
  out.locked_until = failure.locked_until;
  return out;
}

}  // namespace latchkey
