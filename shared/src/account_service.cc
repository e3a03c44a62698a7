#include "latchkey/account_service.h"

namespace latchkey {

std::string_view AccountStatusName(AccountStatus status) {
  switch (status) {
    case AccountStatus::kOk:
      return "ok";
    case AccountStatus::kUnknownUser:
      return "unknown_user";
    case AccountStatus::kInactive:
      return "inactive";
    case AccountStatus::kUnverified:
      return "unverified";
    case AccountStatus::kLocked:
      return "locked";
    case AccountStatus::kAccountExpired:
      return "account_expired";
    case AccountStatus::kPasswordExpired:
      return "password_expired";
    case AccountStatus::kRoleMissing:
      return "role_missing";
    case AccountStatus::kUnavailable:
      return "unavailable";
  }
  return "unknown";
}

AccountService::AccountService(db::Connection& db, const Clock& clock,
                               const PasswordHasher& hasher,
                               const PasswordPolicy& policy, UserStore& users,
                               Throttle& throttle, TokenStore& tokens,
                               AuditLog& audit, SecurityNotifier* notifier)
    : db_(db),
      clock_(clock),
      hasher_(hasher),
      policy_(policy),
      users_(users),
      throttle_(throttle),
      tokens_(tokens),
      audit_(audit),
      notifier_(notifier) {}

AccountCheck AccountService::CheckAccount(
    std::string_view username, const std::vector<std::string>& require_roles,
    bool require_verified_email) {
  AccountCheck out;
  Result<std::optional<User>> found = users_.FindByUsername(username);
  if (!found.ok()) return out;  // kUnavailable
  if (!found->has_value()) {
    out.status = AccountStatus::kUnknownUser;
    return out;
  }
  const User& user = **found;
  const int64_t now = clock_.NowUnix();
  out.status = AccountStatus::kOk;
  bool has_role = require_roles.empty();
  for (const std::string& role : require_roles) {
    has_role = has_role || user.HasRole(role);
  }
  if (!user.is_active) {
    out.status = AccountStatus::kInactive;
  } else if (require_verified_email && !user.email_verified()) {
    out.status = AccountStatus::kUnverified;
  } else if (std::optional<int64_t> until = throttle_.AccountLocked(user)) {
    out.status = AccountStatus::kLocked;
    out.locked_until = until;
  } else if (user.account_expires_at && *user.account_expires_at <= now) {
    out.status = AccountStatus::kAccountExpired;
  } else if (!has_role) {
    out.status = AccountStatus::kRoleMissing;
    for (const std::string& role : require_roles) {
      if (!out.missing_role.empty()) out.missing_role += ",";
      out.missing_role += role;
    }
  } else if (user.password_expires_at && *user.password_expires_at <= now) {
    out.status = AccountStatus::kPasswordExpired;
  }
  out.user = std::move(**found);
  return out;
}

Status AccountService::ChangePassword(int64_t user_id,
                                      const Secret& new_password,
                                      const Secret* old_password,
                                      const AuthContext& ctx,
                                      const PasswordChangeOptions& options) {
  LK_ASSIGN_OR_RETURN(std::optional<User> found, users_.FindById(user_id));
  if (!found) return NotFound("no user with id " + std::to_string(user_id));
  const User& user = *found;
  if (old_password != nullptr) {
    if (throttle_.AccountLocked(user)) {
      LK_RETURN_IF_ERROR(audit_.Record(AuditEvent::kRefusedLocked, user.id,
                                       user.username, ctx, AuditOutcome::kFail,
                                       "password change while locked"));
      return FailedPrecondition("the account is locked");
    }
    Result<bool> ok = hasher_.Verify(old_password->view(), user.password_hash);
    if (!ok.ok() && ok.status().code() != StatusCode::kInvalidArgument) {
      return ok.status();
    }
    if (!ok.ok() || !*ok) {
      // The rows of one failure commit together, as a failed login's do,
      // and a lock it starts is mailed as a login's would be.
      std::optional<db::Transaction> own;
      if (!db_.in_transaction()) {
        LK_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Start(db_));
        own.emplace(std::move(tx));
      }
      LK_ASSIGN_OR_RETURN(AccountFailure failure,
                          throttle_.RecordAccountFailure(user.id));
      LK_RETURN_IF_ERROR(throttle_.RecordIpFailure(ctx.rhost));
      LK_RETURN_IF_ERROR(audit_.Record(
          AuditEvent::kLoginFailure, user.id, user.username, ctx,
          AuditOutcome::kFail, "wrong current password at password change"));
      if (failure.lock_started) {
        const int64_t until = failure.locked_until.value_or(0);
        LK_RETURN_IF_ERROR(audit_.Record(
            AuditEvent::kAccountLocked, user.id, user.username, ctx,
            AuditOutcome::kFail, "locked until " + std::to_string(until)));
        if (notifier_ != nullptr) {
          LK_RETURN_IF_ERROR(notifier_->AccountLocked(user, until, ctx));
        }
      }
      if (own) LK_RETURN_IF_ERROR(own->Commit());
      return PermissionDenied("the current password is not correct");
    }
  }
  LK_RETURN_IF_ERROR(policy_.Check(
      new_password.view(), user.username, user.email,
      old_password != nullptr ? old_password->view() : std::string_view()));
  LK_ASSIGN_OR_RETURN(std::string hash, hasher_.Hash(new_password.view()));
  const std::optional<int64_t> expires =
      options.must_change ? std::optional<int64_t>(clock_.NowUnix())
                          : std::nullopt;
  LK_RETURN_IF_ERROR(users_.SetPasswordHash(user.id, hash, expires));
  LK_RETURN_IF_ERROR(tokens_.VoidOpen(user.id, TokenPurpose::kReset).status());
  if (options.keep_session_sha256.empty()) {
    LK_RETURN_IF_ERROR(
        db_.Execute("DELETE FROM sessions WHERE user_id = ?", {user.id})
            .status());
  } else {
    LK_RETURN_IF_ERROR(
        db_.Execute("DELETE FROM sessions WHERE user_id = ? AND id_sha256 <> ?",
                    {user.id, std::string_view(options.keep_session_sha256)})
            .status());
  }
  if (old_password != nullptr) {
    LK_RETURN_IF_ERROR(throttle_.RecordAccountSuccess(user.id));
  }
  std::string detail = old_password != nullptr ? "with the current password"
                                               : "without the current password";
  if (!options.audit_note.empty()) detail += " " + options.audit_note;
  return audit_.Record(options.is_reset ? AuditEvent::kPasswordReset
                                        : AuditEvent::kPasswordChanged,
                       user.id, user.username, ctx, AuditOutcome::kOk, detail);
}

}  // namespace latchkey
