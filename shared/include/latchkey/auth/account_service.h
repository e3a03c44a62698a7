// AccountService: what the doors need besides the login itself - the PAM
// account phase and password changes.
#ifndef LATCHKEY_AUTH_ACCOUNT_SERVICE_H_
#define LATCHKEY_AUTH_ACCOUNT_SERVICE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "latchkey/auth/lockout_store.h"
#include "latchkey/auth/password_policy.h"
#include "latchkey/auth/password_step.h"
#include "latchkey/base/clock.h"
#include "latchkey/base/secret.h"
#include "latchkey/crypto/password_hash.h"
#include "latchkey/db/db.h"
#include "latchkey/store/audit.h"
#include "latchkey/store/token_store.h"
#include "latchkey/store/user_store.h"

namespace latchkey {

enum class AccountStatus {
  kOk,
  kUnknownUser,
  kInactive,
  kUnverified,       // only when require_verified_email
  kLocked,           // admin lock (not the password lock)
  kAccountExpired,   // account_expires_at <= now
  kPasswordExpired,  // password_expires_at <= now (PAM_NEW_AUTHTOK_REQD)
  kRoleMissing,      // holds none of the required roles
  kUnavailable,      // database error
};

struct AccountCheck {
  AccountStatus status = AccountStatus::kUnavailable;
  std::optional<User> user;
  std::optional<int64_t> locked_until;  // kLocked
  std::string missing_role;             // kRoleMissing: the roles asked
                                        // for, comma-separated
};

struct PasswordChangeOptions {
  bool is_reset = false;     // audited as password_reset, not _changed
  bool must_change = false;  // password_expires_at = now (change at next
                             // login); otherwise it is cleared
  // The portal keeps the session the change was made in (its id_sha256,
  // 32 bytes); every other session of the user ends. Empty: all end.
  std::string keep_session_sha256;
  // Appended to the audit detail when set, e.g. "by root (uid 0)" for an
  // admin's change (see UserAdmin).
  std::string audit_note;
};

// Not thread-safe (one Connection).
class AccountService {
 public:
  AccountService(db::Connection& db, const Clock& clock,
                 const PasswordHasher& hasher, const PasswordPolicy& policy,
                 UserStore& users, LockoutStore& lockouts,
                 PasswordStep& password_step, TokenStore& tokens,
                 AuditLog& audit);

  // The PAM account phase for `username` at the clock's now, in this order:
  // unknown, inactive, unverified (if required), admin-locked (the
  // automatic password lock does not refuse the account phase: it guards
  // the password only, so key-based logins keep working), account expired,
  // role missing (the user must hold AT LEAST ONE role of a non-empty
  // `require_roles`, like sshd's AllowGroups),
  // password expired. Never throws; db errors give kUnavailable.
  AccountCheck CheckAccount(std::string_view username,
                            const std::vector<std::string>& require_roles,
                            bool require_verified_email = false);

  // Sets a new password. With `old_password` (a user changing their own)
  // an admin-locked account is refused (FailedPrecondition "the account
  // is locked"), and the old one goes through the password step
  // (password_step.h), as a login's would: the address over its limit gives
  // FailedPrecondition "too many failed attempts from this address", no
  // reservation (locked) FailedPrecondition "the account is locked", and a
  // wrong old password counts as a failed login and gives PermissionDenied "the
  // current password is not correct". Without it (admin, root, or a reset
  // link already consumed) no old password is asked. Then:
  // PasswordPolicy::Check (InvalidArgument with its readable reason), Hash,
  // and in ONE transaction: store (password_changed_at = now), void open
  // reset tokens, end the user's portal sessions (see options), reset the
  // failure counter, audit; nothing of it is kept if a step fails. Errors
  // also: NotFound "no user with id N", db errors.
  Status ChangePassword(int64_t user_id, const Secret& new_password,
                        const Secret* old_password, const AuthContext& ctx,
                        const PasswordChangeOptions& options = {});

 private:
  db::Connection& db_;
  const Clock& clock_;
  const PasswordHasher& hasher_;
  const PasswordPolicy& policy_;
  UserStore& users_;
  LockoutStore& lockout_store_;
  PasswordStep& password_step_;  // counts, locks, audits and mails
  TokenStore& tokens_;
  AuditLog& audit_;
};

}  // namespace latchkey

#endif  // LATCHKEY_AUTH_ACCOUNT_SERVICE_H_
