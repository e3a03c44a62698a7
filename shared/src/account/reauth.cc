#include "latchkey/account/reauth.h"

#include <string>

#include "latchkey/auth/lockout.h"

namespace latchkey {

bool ReauthWindowOpen(const Session& session, int64_t now) {
  if (!session.reauth_at) return false;
  const int64_t age = now - *session.reauth_at;
  return age >= 0 && age < kReauthWindow.count();
}

Reauthentication::Reauthentication(Services& services, SessionStore& sessions)
    : s_(services), sessions_(sessions) {}

Result<ReauthOutcome> Reauthentication::Gate(const Session& session,
                                             const Secret& password,
                                             ReauthMode mode,
                                             const AuthContext& ctx) {
  const int64_t now = s_.clock().NowUnix();
  ReauthOutcome out;
  if (mode == ReauthMode::kWindow && ReauthWindowOpen(session, now)) {
    out.status = ReauthStatus::kOk;
    out.window_ends_at = *session.reauth_at + kReauthWindow.count();
    return out;
  }
  if (password.empty()) {
    out.status = ReauthStatus::kRequired;
    return out;
  }
  LK_ASSIGN_OR_RETURN(out, CheckPassword(session.user_id, password, ctx));
  if (out.status == ReauthStatus::kOk) {
    // MarkReauthenticated names the session by its id hash alone.
    Session mark;
    mark.id_sha256 = session.id_sha256;
    LK_RETURN_IF_ERROR(sessions_.MarkReauthenticated(mark));
    out.window_ends_at = now + kReauthWindow.count();
  }
  return out;
}

Result<ReauthOutcome> Reauthentication::CheckPassword(int64_t user_id,
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
      out.retry_after = LockRetryAfter(out.locked_until, s_.clock().NowUnix());
      break;
    case PasswordVerdict::kThrottled:
      out.status = ReauthStatus::kThrottled;
      out.retry_after = AddressRetryAfter(s_.config().lockout);
      break;
  }
  return out;
}

}  // namespace latchkey
