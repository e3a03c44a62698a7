#include "latchkey/account/reauth.h"

#include <string>

#include "latchkey/auth/lockout.h"

namespace latchkey {
namespace {

bool WindowOpen(const std::optional<int64_t>& since, int64_t now) {
  if (!since) return false;
  const int64_t age = now - *since;
  return age >= 0 && age < kReauthWindow.count();
}

}  // namespace

bool ReauthWindowOpen(const Session& session, int64_t now) {
  return WindowOpen(session.reauth_at, now);
}

bool AdminReauthWindowOpen(const Session& session, int64_t now) {
  return WindowOpen(session.admin_reauth_at, now);
}

bool EveryFactorWindowOpen(const Session& session, const User& user,
                           int64_t now) {
  return user.has_totp() ? AdminReauthWindowOpen(session, now)
                         : ReauthWindowOpen(session, now);
}

Reauthentication::Reauthentication(Services& services, SessionStore& sessions)
    : s_(services), sessions_(sessions) {}

Result<User> Reauthentication::FindUser(int64_t user_id) {
  LK_ASSIGN_OR_RETURN(std::optional<User> found, s_.users().FindById(user_id));
  if (!found) return NotFound("no user with id " + std::to_string(user_id));
  return std::move(*found);
}

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
  LK_ASSIGN_OR_RETURN(User user, FindUser(session.user_id));
  LK_ASSIGN_OR_RETURN(out, CheckPassword(user, password, ctx, true));
  if (out.status == ReauthStatus::kOk) {
    // MarkReauthenticated names the session by its id hash alone.
    Session mark;
    mark.id_sha256 = session.id_sha256;
    LK_RETURN_IF_ERROR(sessions_.MarkReauthenticated(mark));
    out.window_ends_at = now + kReauthWindow.count();
  }
  return out;
}

Result<ReauthOutcome> Reauthentication::GateAdmin(const Session& session,
                                                  const Secret& password,
                                                  std::string_view code,
                                                  const AuthContext& ctx) {
  const int64_t now = s_.clock().NowUnix();
  ReauthOutcome out;
  if (AdminReauthWindowOpen(session, now)) {
    out.status = ReauthStatus::kOk;
    out.window_ends_at = *session.admin_reauth_at + kReauthWindow.count();
    return out;
  }
  if (password.empty() || code.empty()) {
    out.status = ReauthStatus::kRequired;
    return out;
  }
  LK_ASSIGN_OR_RETURN(User user, FindUser(session.user_id));
  LK_ASSIGN_OR_RETURN(out, CheckPassword(user, password, ctx, false));
  if (out.status != ReauthStatus::kOk) return out;
  LK_ASSIGN_OR_RETURN(out, CheckCode(user, code, ctx));
  if (out.status == ReauthStatus::kOk) {
    Session mark;
    mark.id_sha256 = session.id_sha256;
    LK_RETURN_IF_ERROR(sessions_.MarkAdminReauthenticated(mark));
    out.window_ends_at = now + kReauthWindow.count();
  }
  return out;
}

Result<ReauthOutcome> Reauthentication::GateEveryFactor(
    const Session& session, const Secret& password, std::string_view code,
    const AuthContext& ctx) {
  LK_ASSIGN_OR_RETURN(User user, FindUser(session.user_id));
  if (user.has_totp()) return GateAdmin(session, password, code, ctx);
  return Gate(session, password, ReauthMode::kWindow, ctx);
}

Result<ReauthOutcome> Reauthentication::CheckPassword(const User& user,
                                                      const Secret& password,
                                                      const AuthContext& ctx,
                                                      bool settle) {
  LK_ASSIGN_OR_RETURN(
      PasswordCheck check,
      s_.password_step().Check(&user, "", user.username, password, ctx,
                               PasswordUse::kReauth, std::nullopt));
  ReauthOutcome out;
  out.lock_started = check.lock_started;
  out.locked_until = check.locked_until;
  switch (check.verdict) {
    case PasswordVerdict::kRight: {
      LockSubject subject;
      subject.user_id = user.id;
      // Settled: the count starts again. Not settled: the right password
      // gives its attempt back, and the code reserves one of its own (as a
      // login's second step does), so the count resets only once both
      // factors were right.
      LK_RETURN_IF_ERROR(settle
                             ? s_.lockout_store().RecordAccountSuccess(user.id)
                             : s_.lockout_store().GiveBack(subject));
      out.status = ReauthStatus::kOk;
      break;
    }
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

Result<ReauthOutcome> Reauthentication::CheckCode(const User& user,
                                                  std::string_view code,
                                                  const AuthContext& ctx) {
  ReauthOutcome out;
  LockSubject subject;
  subject.user_id = user.id;
  LK_ASSIGN_OR_RETURN(Reservation reservation,
                      s_.lockout_store().Reserve(subject));
  if (!reservation.reserved) {
    LK_ASSIGN_OR_RETURN(out.locked_until,
                        s_.password_step().Refuse(subject, &user, user.username,
                                                  ctx, "account is locked"));
    out.status = ReauthStatus::kLocked;
    out.retry_after = LockRetryAfter(out.locked_until, s_.clock().NowUnix());
    return out;
  }
  std::string compact;
  for (char c : code) {
    if (c != ' ') compact.push_back(c);
  }
  TotpCheck check = TotpCheck::kWrong;
  if (user.has_totp()) {
    LK_ASSIGN_OR_RETURN(TotpVerdict verdict,
                        s_.totp_step().VerifyTotp(user, compact));
    check = verdict.check;
  }
  if (check == TotpCheck::kAccepted) {
    LK_RETURN_IF_ERROR(s_.lockout_store().RecordAccountSuccess(user.id));
    out.status = ReauthStatus::kOk;
    return out;
  }
  out.status = ReauthStatus::kWrongCode;
  if (check == TotpCheck::kReplayed) {
    // Not a guess: the attempt is given back.
    LK_RETURN_IF_ERROR(s_.lockout_store().GiveBack(subject));
    LK_RETURN_IF_ERROR(s_.audit().Record(
        AuditEvent::kTotpReplayed, user.id, user.username, ctx,
        AuditOutcome::kFail, "code already used at re-authentication"));
    return out;
  }
  LK_ASSIGN_OR_RETURN(
      AccountFailure failure,
      s_.password_step().Fail(subject, &user, user.username, ctx,
                              AuditEvent::kTotpWrong,
                              "wrong verification code at re-authentication",
                              reservation.failed_logins));
  out.lock_started = failure.lock_started;
  if (failure.lock_started) out.locked_until = failure.locked_until;
  return out;
}

}  // namespace latchkey
