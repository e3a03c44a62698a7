#include "user_common.h"

#include "output.h"

namespace latchkey::cli {

Result<UserTarget> FindTarget(Context& ctx, std::string_view username) {
  LK_ASSIGN_OR_RETURN(Services * services, ctx.services());
  UserAdmin admin(*services);
  LK_ASSIGN_OR_RETURN(User user, admin.Find(username));
  return UserTarget{services, std::move(user)};
}

std::string LockText(const User& user, const LockoutStore& lockouts) {
  const std::optional<int64_t> until = lockouts.AnyLock(user);
  if (!until) return "no";
  if (*until >= kLockedUntilUnlocked) return "yes, until unlocked";
  return "yes, until " + IsoTime(*until);
}

nlohmann::json LockJson(const User& user, const LockoutStore& lockouts) {
  const std::optional<int64_t> until = lockouts.AnyLock(user);
  if (!until) return nullptr;
  if (*until >= kLockedUntilUnlocked) return "unlocked";
  return IsoTime(*until);
}

nlohmann::json UserJson(const User& user, const LockoutStore& lockouts) {
  return {
      {"id", user.id},
      {"username", user.username},
      {"email", user.email},
      {"full_name", user.full_name},
      {"active", user.is_active},
      {"email_verified", user.email_verified()},
      {"email_verified_at", JsonTime(user.email_verified_at)},
      {"locked", lockouts.AnyLock(user).has_value()},
      {"locked_until", LockJson(user, lockouts)},
      {"failed_logins", user.failed_logins},
      {"roles", user.roles},
      {"totp_enrolled", user.has_totp()},
      {"password_changed_at", JsonTime(user.password_changed_at)},
      {"password_expires_at", JsonTime(user.password_expires_at)},
      {"account_expires_at", JsonTime(user.account_expires_at)},
      {"uid", user.uid ? nlohmann::json(*user.uid) : nlohmann::json(nullptr)},
      {"created_at", IsoTime(user.created_at)},
      {"updated_at", IsoTime(user.updated_at)},
      {"last_login_at", JsonTime(user.last_login_at)},
  };
}

}  // namespace latchkey::cli
