// The admin guard rails (user_admin.h): no admin locks out, demotes or
// deletes themselves, and the last standing administrator keeps the role.
// Every guarded action (and every role change) runs in one transaction
// that first locks the `admin` row of `roles`, so the count and the change
// cannot interleave with another admin's.
#include <algorithm>
#include <iterator>
#include <set>
#include <string>
#include <utility>

#include "latchkey/account/user_admin.h"
#include "latchkey/services/services.h"

namespace latchkey {
namespace {

constexpr std::string_view kAdminRole = "admin";

// "Standing" (user_admin.h): admin role, active, TOTP, no admin lock in
// force at ?. The second column says whether user ? is one of them.
constexpr std::string_view kStandingSql =
    "SELECT COUNT(*), CAST(COALESCE(SUM(u.id = ?), 0) AS SIGNED) FROM users u "
    "JOIN user_roles ur ON ur.user_id = u.id JOIN roles r ON r.id = "
    "ur.role_id WHERE r.name = 'admin' AND u.is_active = 1 AND "
    "u.totp_secret_enc IS NOT NULL AND u.totp_secret_enc <> '' AND "
    "(u.admin_locked_until IS NULL OR u.admin_locked_until <= ?)";

struct Standing {
  int64_t count = 0;
  bool target = false;
};

Result<Standing> ReadStanding(Services& s, int64_t target_id) {
  LK_ASSIGN_OR_RETURN(
      std::optional<db::Row> row,
      s.db().QueryOne(kStandingSql,
                      {target_id, db::Timestamp{s.clock().NowUnixMicros()}}));
  Standing out;
  if (row) {
    out.count = row->i64(0);
    out.target = row->i64(1) > 0;
  }
  return out;
}

}  // namespace

Result<int64_t> UserAdmin::StandingAdmins() {
  LK_ASSIGN_OR_RETURN(Standing standing, ReadStanding(services_, 0));
  return standing.count;
}

Result<db::Transaction> UserAdmin::LockAdmins() {
  db::Connection& db = services_.db();
  LK_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Start(db));
  // The transaction's first read, so the count in CheckRails (a plain
  // read) sees every change committed before the lock was ours.
  LK_RETURN_IF_ERROR(
      db.Query("SELECT id FROM roles WHERE name = ? FOR UPDATE", {kAdminRole})
          .status());
  return tx;
}

Status UserAdmin::CheckRails(const User& user, Guarded what,
                             const AdminActor& actor) {
  std::string refusal;
  if (actor.account_id && *actor.account_id == user.id) {
    switch (what) {
      case Guarded::kDeactivate:
        refusal = "you cannot deactivate your own account";
        break;
      case Guarded::kLock:
        refusal = "you cannot lock your own account";
        break;
      case Guarded::kDelete:
        refusal = "you cannot delete your own account";
        break;
      case Guarded::kRemoveAdmin:
        refusal = "you cannot remove the admin role from your own account";
        break;
      case Guarded::kTotpReset:
        refusal =
            "you cannot reset your own two-step sign-in here (use your "
            "security page)";
        break;
    }
  } else {
    LK_ASSIGN_OR_RETURN(Standing standing, ReadStanding(services_, user.id));
    if (standing.target && standing.count <= 1) {
      std::string doing;
      switch (what) {
        case Guarded::kDeactivate:
          doing = "deactivating them";
          break;
        case Guarded::kLock:
          doing = "locking them";
          break;
        case Guarded::kDelete:
          doing = "deleting them";
          break;
        case Guarded::kRemoveAdmin:
          doing = "removing their admin role";
          break;
        case Guarded::kTotpReset:
          doing = "resetting their TOTP";
          break;
      }
      refusal = user.username + " is the last administrator: " + doing +
                " would leave no active administrator with TOTP and no "
                "admin lock. Make another administrator first.";
    }
  }
  if (refusal.empty()) return Status::Ok();
  if (!actor.force) return FailedPrecondition(refusal);
  // The override is on record, in the same transaction as the change.
  return Audit(AuditEvent::kGuardOverridden, user, actor,
               "guard overridden with --force: " + refusal);
}

Result<bool> UserAdmin::ChangeRoles(const User& user, const RoleMap& next,
                                    const AdminActor& actor) {
  LK_ASSIGN_OR_RETURN(db::Transaction tx, LockAdmins());
  // Read under the mutex, so the diff is against what is held now.
  LK_ASSIGN_OR_RETURN(std::optional<User> now,
                      services_.users().FindById(user.id));
  if (!now) return NotFound("no user with id " + std::to_string(user.id));
  const std::vector<std::string> wanted = next(now->roles);
  for (const std::string& role : wanted) {
    Status valid = ValidateRoleName(role);
    if (!valid.ok()) return valid.WithContext("role");
  }
  const std::set<std::string> want(wanted.begin(), wanted.end());
  const std::set<std::string> had(now->roles.begin(), now->roles.end());
  std::vector<std::string> added;
  std::vector<std::string> removed;
  std::set_difference(want.begin(), want.end(), had.begin(), had.end(),
                      std::back_inserter(added));
  std::set_difference(had.begin(), had.end(), want.begin(), want.end(),
                      std::back_inserter(removed));
  if (added.empty() && removed.empty()) return false;
  const std::string admin(kAdminRole);
  if (std::find(removed.begin(), removed.end(), admin) != removed.end()) {
    LK_RETURN_IF_ERROR(CheckRails(*now, Guarded::kRemoveAdmin, actor));
  }
  if (had.contains(admin) || want.contains(admin)) {
    // Before the change, so a demoted admin hears of it too.
    LK_RETURN_IF_ERROR(services_.security_notifier().AdminTargeted(
        *now, AdminNoticeAction::kRolesChanged, actor.name, actor.ctx));
  }
  LK_RETURN_IF_ERROR(services_.users().SetRoles(
      user.id, std::vector<std::string>(want.begin(), want.end())));
  for (const std::string& role : added) {
    LK_RETURN_IF_ERROR(
        Audit(AuditEvent::kRoleAdded, *now, actor, "role " + role));
  }
  for (const std::string& role : removed) {
    LK_RETURN_IF_ERROR(
        Audit(AuditEvent::kRoleRemoved, *now, actor, "role " + role));
  }
  LK_RETURN_IF_ERROR(tx.Commit());
  return true;
}

}  // namespace latchkey
