#include "latchkey/auth/account_service.h"

namespace latchkey {

AccountService::AccountService(db::Connection& db, const Clock& clock,
                               const PasswordHasher& hasher,
                               const PasswordPolicy& policy, UserStore& users,
                               LockoutStore& lockouts,
                               PasswordStep& password_step, TokenStore& tokens,
                               AuditLog& audit)
    : db_(db),
      clock_(clock),
      hasher_(hasher),
      policy_(policy),
      users_(users),
      lockout_store_(lockouts),
      password_step_(password_step),
      tokens_(tokens),
      audit_(audit) {}

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
  } else if (std::optional<int64_t> until = lockout_store_.AdminLocked(user)) {
    // Only the admin lock: the password lock guards the password step, and
    // a key-based login must still pass here.
    out.status = AccountStatus::kLocked;
    out.locked_until = until;
  } else if (user.AccountExpired(now)) {
    out.status = AccountStatus::kAccountExpired;
  } else if (!has_role) {
    out.status = AccountStatus::kRoleMissing;
    for (const std::string& role : require_roles) {
      if (!out.missing_role.empty()) out.missing_role += ",";
      out.missing_role += role;
    }
  } else if (user.PasswordExpired(now)) {
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
  if (old_password != nullptr && lockout_store_.AdminLocked(user)) {
    // An admin lock suspends the account: its owner changes nothing.
    LK_RETURN_IF_ERROR(audit_.Record(AuditEvent::kRefusedLocked, user.id,
                                     user.username, ctx, AuditOutcome::kFail,
                                     "password change while admin-locked"));
    return FailedPrecondition("the account is locked");
  }
  if (old_password != nullptr) {
    LK_ASSIGN_OR_RETURN(
        PasswordCheck check,
        password_step_.Check(&user, "", user.username, *old_password, ctx,
                             PasswordUse::kPasswordChange, std::nullopt));
    switch (check.verdict) {
      case PasswordVerdict::kRight:
        break;
      case PasswordVerdict::kWrong:
        return PermissionDenied("the current password is not correct");
      case PasswordVerdict::kLocked:
        return FailedPrecondition("the account is locked");
      case PasswordVerdict::kThrottled:
        return FailedPrecondition("too many failed attempts from this address");
    }
  }
  // From here on the old password (if asked) was right: its reserved
  // attempt is given back whatever happens next.
  std::string hash;
  Status prepared = policy_.Check(
      new_password.view(), user.username, user.email,
      old_password != nullptr ? old_password->view() : std::string_view());
  if (prepared.ok()) {
    Result<std::string> hashed = hasher_.Hash(new_password.view());
    if (hashed.ok()) {
      hash = std::move(*hashed);
    } else {
      prepared = hashed.status();
    }
  }
  if (!prepared.ok()) {
    if (old_password != nullptr) {
      LK_RETURN_IF_ERROR(lockout_store_.RecordAccountSuccess(user.id));
    }
    return prepared;
  }
  const std::optional<int64_t> expires =
      options.must_change ? std::optional<int64_t>(clock_.NowUnix())
                          : std::nullopt;
  std::string detail = old_password != nullptr ? "with the current password"
                                               : "without the current password";
  if (!options.audit_note.empty()) detail += " " + options.audit_note;
  // The new hash, the voided reset links, the ended sessions, the counter
  // and the audit row commit together or not at all: a change that fails
  // half-way must not leave an old session or link alive beside the new
  // password.
  std::optional<db::Transaction> own;
  if (!db_.in_transaction()) {
    LK_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Start(db_));
    own.emplace(std::move(tx));
  }
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
    LK_RETURN_IF_ERROR(lockout_store_.RecordAccountSuccess(user.id));
  }
  LK_RETURN_IF_ERROR(
      audit_.Record(options.is_reset ? AuditEvent::kPasswordReset
                                     : AuditEvent::kPasswordChanged,
                    user.id, user.username, ctx, AuditOutcome::kOk, detail));
  if (own) LK_RETURN_IF_ERROR(own->Commit());
  return Status::Ok();
}

}  // namespace latchkey
