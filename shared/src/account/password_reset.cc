#include "latchkey/account/password_reset.h"

#include <algorithm>

#include "account/lifecycle_internal.h"
#include "latchkey/base/field_errors.h"

namespace latchkey {

PasswordReset::PasswordReset(Services& services) : s_(services) {}

Result<PasswordReset::ForgotCheck> PasswordReset::CheckForgot(
    std::string_view email, const AuthContext& ctx) {
  ForgotCheck out;
  RateLimiter limiter(s_.db(), s_.clock());
  LK_RETURN_IF_ERROR(internal::RequireWithinLimit(limiter, "forgot:ip",
                                                  ctx.rhost, kForgotPerIp));
  Result<std::string> address = NormalizeEmail(email);
  if (!address.ok()) {
    out.errors.Add("email", "Enter a valid email address.");
    return out;
  }
  LK_RETURN_IF_ERROR(internal::RequireWithinLimit(limiter, "forgot:addr",
                                                  *address, kForgotPerAddress));
  out.address = std::move(*address);
  return out;
}

Status PasswordReset::SendResetLink(std::string_view address,
                                    const AuthContext& ctx) {
  LK_ASSIGN_OR_RETURN(std::optional<User> user,
                      s_.users().FindByEmail(address));
  if (!user || !user->is_active) return Status::Ok();
  RateLimiter limiter(s_.db(), s_.clock());
  LK_ASSIGN_OR_RETURN(bool allowed,
                      limiter.Hit("reset:user:" + std::to_string(user->id),
                                  kResetMailsPerUser));
  if (!allowed) {
    return s_.audit().Record(AuditEvent::kResetRequested, user->id,
                             user->username, ctx, AuditOutcome::kFail,
                             "not sent: over the limit");
  }
  // The link and its mail commit together (and cost one log flush).
  LK_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Start(s_.db()));
  LK_RETURN_IF_ERROR(internal::QueueResetMail(s_, *user));
  LK_RETURN_IF_ERROR(s_.audit().Record(AuditEvent::kResetRequested, user->id,
                                       user->username, ctx, AuditOutcome::kOk,
                                       "link sent"));
  return tx.Commit();
}

Result<LinkState> PasswordReset::CheckLink(std::string_view token) {
  LK_ASSIGN_OR_RETURN(TokenPeek peek,
                      s_.tokens().Peek(token, TokenPurpose::kReset));
  if (peek.state != TokenState::kValid)
    return internal::LinkStateOf(peek.state);
  LK_ASSIGN_OR_RETURN(std::optional<User> user,
                      s_.users().FindById(peek.user_id.value_or(0)));
  if (!user || !user->is_active) return LinkState::kInvalid;
  return LinkState::kOk;
}

Result<ResetResult> PasswordReset::Reset(std::string_view token,
                                         const Secret& password,
                                         const Secret& confirm,
                                         const AuthContext& ctx) {
  ResetResult out;
  LK_ASSIGN_OR_RETURN(out.link, CheckLink(token));
  if (out.link != LinkState::kOk) return out;
  LK_ASSIGN_OR_RETURN(TokenPeek peek,
                      s_.tokens().Peek(token, TokenPurpose::kReset));
  LK_ASSIGN_OR_RETURN(std::optional<User> user,
                      s_.users().FindById(peek.user_id.value_or(0)));
  if (!user) {
    out.link = LinkState::kInvalid;
    return out;
  }
  out.errors = internal::CheckNewPassword(s_, *user, password, confirm);
  if (!out.errors.empty()) return out;

  LK_ASSIGN_OR_RETURN(
      bool set, internal::SetPasswordByLink(s_, token, TokenPurpose::kReset,
                                            user->id, password, ctx, "", out));
  if (!set) return out;
  if (!user->email_verified()) {
    LK_RETURN_IF_ERROR(s_.users().MarkEmailVerified(user->id));
    user->email_verified_at = s_.clock().NowUnix();  // the link reached it
  }
  // The one "password changed" notice, as a change through PAM queues it.
  LK_RETURN_IF_ERROR(s_.security_notifier().PasswordChanged(*user, ctx));
  return out;
}

}  // namespace latchkey
