// latchkeyctl user lock | unlock | activate | deactivate | delete | set-role
// The guard rails (account/user_admin.h) apply: root has no account of its
// own, but the last standing administrator keeps the role unless --force
// (audited as guard_overridden).
#include <chrono>
#include <string>
#include <vector>

#include "command.h"
#include "latchkey/account/user_admin.h"
#include "latchkey/config/config.h"
#include "output.h"
#include "user_common.h"

namespace latchkey::cli {
namespace {

// ctx.actor() with --force when given.
AdminActor ActorWithForce(Context& ctx, const ParsedArgs& args) {
  AdminActor actor = ctx.actor();
  actor.force = args.has("--force");
  return actor;
}

// Prints `text`, or {"username": ..., "changed": ...} plus `extra` in JSON.
int Done(Context& ctx, const User& user, bool changed, std::string_view text,
         nlohmann::json extra = nlohmann::json::object()) {
  if (ctx.json()) {
    extra["username"] = user.username;
    extra["changed"] = changed;
    PrintJson(ctx.out(), extra);
  } else {
    ctx.out() << text << '\n';
  }
  return kExitOk;
}

int RunLock(Context& ctx, const ParsedArgs& args) {
  int64_t duration = 0;
  if (std::optional<std::string> d = args.value("--for")) {
    Result<Millis> parsed = ParseDuration(*d);
    if (!parsed.ok()) return ctx.Usage("--for: " + parsed.status().message());
    duration = std::chrono::duration_cast<Seconds>(*parsed).count();
    if (duration <= 0) return ctx.Usage("--for: must be at least 1s");
  }
  Result<UserTarget> target = FindTarget(ctx, args.positionals().front());
  if (!target.ok()) return ctx.Fail(target.status());
  const User& user = target->user;
  const int64_t now = target->services->clock().NowUnix();
  const int64_t until = duration > 0 && duration < kLockedUntilUnlocked - now
                            ? now + duration
                            : kLockedUntilUnlocked;
  UserAdmin admin(*target->services);
  if (Status s = admin.Lock(user, until, ActorWithForce(ctx, args)); !s.ok()) {
    return ctx.Fail(s);
  }
  const bool forever = until == kLockedUntilUnlocked;
  return Done(ctx, user, true,
              "locked " + user.username +
                  (forever ? " until unlocked" : " until " + IsoTime(until)),
              {{"locked_until", forever ? "unlocked" : IsoTime(until)}});
}

int RunUnlock(Context& ctx, const ParsedArgs& args) {
  const bool password_only = args.has("--password-lock-only");
  const bool admin_only = args.has("--admin-lock-only");
  if (password_only && admin_only) {
    return ctx.Usage(
        "--password-lock-only and --admin-lock-only exclude each other");
  }
  Result<UserTarget> target = FindTarget(ctx, args.positionals().front());
  if (!target.ok()) return ctx.Fail(target.status());
  const User& user = target->user;
  const LockoutStore& locks = target->services->lockout_store();
  UserAdmin admin(*target->services);
  if (password_only || admin_only) {
    const bool was_locked = password_only
                                ? locks.AccountLocked(user).has_value()
                                : locks.AdminLocked(user).has_value();
    const Status s = password_only ? admin.ClearPasswordLock(user, ctx.actor())
                                   : admin.UnlockAdmin(user, ctx.actor());
    if (!s.ok()) return ctx.Fail(s);
    const std::string what = password_only ? "password lock" : "admin lock";
    return Done(ctx, user, was_locked,
                was_locked
                    ? "ended the " + what + " of " + user.username
                    : user.username + " had no " + what +
                          (password_only ? "; failure count cleared" : ""));
  }
  const bool was_locked = locks.AnyLock(user).has_value();
  if (Status s = admin.Unlock(user, ctx.actor()); !s.ok()) return ctx.Fail(s);
  return Done(ctx, user, was_locked,
              was_locked
                  ? "unlocked " + user.username
                  : user.username + " was not locked; failure counts cleared");
}

int SetActive(Context& ctx, const ParsedArgs& args, bool active) {
  Result<UserTarget> target = FindTarget(ctx, args.positionals().front());
  if (!target.ok()) return ctx.Fail(target.status());
  const User& user = target->user;
  UserAdmin admin(*target->services);
  Result<bool> changed =
      admin.SetActive(user, active, ActorWithForce(ctx, args));
  if (!changed.ok()) return ctx.Fail(changed.status());
  const std::string state = active ? "active" : "inactive";
  return Done(ctx, user, *changed,
              *changed
                  ? (active ? "activated " : "deactivated ") + user.username
                  : user.username + " is already " + state);
}

int RunActivate(Context& ctx, const ParsedArgs& args) {
  return SetActive(ctx, args, true);
}

int RunDeactivate(Context& ctx, const ParsedArgs& args) {
  return SetActive(ctx, args, false);
}

int RunDelete(Context& ctx, const ParsedArgs& args) {
  const std::string& name = args.positionals().front();
  if (!args.has("--yes")) {
    return ctx.Usage("deleting '" + name +
                     "' cannot be undone; confirm with --yes");
  }
  Result<UserTarget> target = FindTarget(ctx, name);
  if (!target.ok()) return ctx.Fail(target.status());
  UserAdmin admin(*target->services);
  if (Status s = admin.Delete(target->user, ActorWithForce(ctx, args));
      !s.ok()) {
    return ctx.Fail(s);
  }
  return Done(ctx, target->user, true, "deleted " + name);
}

int RunSetRole(Context& ctx, const ParsedArgs& args) {
  const bool remove = args.has("--remove");
  Result<UserTarget> target = FindTarget(ctx, args.positionals().front());
  if (!target.ok()) return ctx.Fail(target.status());
  const User& user = target->user;
  // Every role must exist before any is added, so a typo changes nothing.
  if (!remove) {
    Result<std::vector<Role>> known = target->services->users().ListRoles();
    if (!known.ok()) return ctx.Fail(known.status());
    for (size_t i = 1; i < args.positionals().size(); ++i) {
      const std::string& role = args.positionals()[i];
      bool found = false;
      for (const Role& r : *known) found = found || r.name == role;
      if (!found && ValidateRoleName(role).ok()) {
        return ctx.Fail("no role named '" + role + "'");
      }
    }
  }
  UserAdmin admin(*target->services);
  const AdminActor actor = ActorWithForce(ctx, args);
  bool any_changed = false;
  std::string text;
  for (size_t i = 1; i < args.positionals().size(); ++i) {
    const std::string& role = args.positionals()[i];
    Result<bool> changed = remove ? admin.RemoveRole(user, role, actor)
                                  : admin.AddRole(user, role, actor);
    if (!changed.ok()) return ctx.Fail(changed.status());
    any_changed = any_changed || *changed;
    if (!text.empty()) text += '\n';
    if (*changed) {
      text += (remove ? "removed role " : "added role ") + role +
              (remove ? " from " : " to ") + user.username;
    } else {
      text += user.username +
              (remove ? " does not hold role "
                      : " already "
                        "holds role ") +
              role;
    }
  }
  Result<User> now = UserAdmin(*target->services).Find(user.username);
  if (!now.ok()) return ctx.Fail(now.status());
  return Done(ctx, user, any_changed, text, {{"roles", now->roles}});
}

constexpr OptionSpec kLockOptions[] = {{"--for", true, ""},
                                       {"--force", false, ""}};
constexpr OptionSpec kUnlockOptions[] = {{"--password-lock-only", false, ""},
                                         {"--admin-lock-only", false, ""}};
constexpr OptionSpec kForceOptions[] = {{"--force", false, ""}};
constexpr OptionSpec kDeleteOptions[] = {{"--yes", false, "-y"},
                                         {"--force", false, ""}};
constexpr OptionSpec kSetRoleOptions[] = {{"--remove", false, ""},
                                          {"--force", false, ""}};

}  // namespace

const Command kUserLockCommand = {
    .name = "user lock",
    .usage = "user lock USERNAME [--for DURATION] [--force]",
    .summary = "lock an account (until unlocked, or for a while)",
    .help =
        "Logins are refused while locked, without checking the "
        "password.\n\n"
        "  --for DURATION   end the lock after DURATION (e.g. 30m, 12h, "
        "7d); default:\n                   until 'latchkeyctl user "
        "unlock'\n"
        "  --force          lock even the last administrator (audited)\n",
    .options = kLockOptions,
    .operands = "USERNAME",
    .min_operands = 1,
    .max_operands = 1,
    .run = RunLock,
};

const Command kUserUnlockCommand = {
    .name = "user unlock",
    .usage = "user unlock USERNAME [--password-lock-only | --admin-lock-only]",
    .summary = "end a lock and clear the failed-login counts",
    .help =
        "Ends both locks (the admin lock and the automatic password lock)\n"
        "and clears the failure counts.\n\n"
        "  --password-lock-only  only the password lock and the failures\n"
        "  --admin-lock-only     only the admin lock ('user lock')\n",
    .options = kUnlockOptions,
    .operands = "USERNAME",
    .min_operands = 1,
    .max_operands = 1,
    .run = RunUnlock,
};

const Command kUserActivateCommand = {
    .name = "user activate",
    .usage = "user activate USERNAME",
    .summary = "allow a deactivated account to log in again",
    .help = "",
    .options = {},
    .operands = "USERNAME",
    .min_operands = 1,
    .max_operands = 1,
    .run = RunActivate,
};

const Command kUserDeactivateCommand = {
    .name = "user deactivate",
    .usage = "user deactivate USERNAME [--force]",
    .summary = "stop an account from logging in (kept, reversible)",
    .help = "  --force   deactivate even the last administrator (audited)\n",
    .options = kForceOptions,
    .operands = "USERNAME",
    .min_operands = 1,
    .max_operands = 1,
    .run = RunDeactivate,
};

const Command kUserDeleteCommand = {
    .name = "user delete",
    .usage = "user delete USERNAME --yes [--force]",
    .summary = "delete an account for good (its audit trail stays)",
    .help =
        "  --yes, -y   required: confirms the deletion\n"
        "  --force     delete even the last administrator (audited)\n",
    .options = kDeleteOptions,
    .operands = "USERNAME",
    .min_operands = 1,
    .max_operands = 1,
    .run = RunDelete,
};

const Command kUserSetRoleCommand = {
    .name = "user set-role",
    .usage = "user set-role USERNAME ROLE... [--remove] [--force]",
    .summary = "give a user roles, or take them away",
    .help =
        "  --remove   take the roles away instead of adding them\n"
        "  --force    remove admin even from the last administrator "
        "(audited)\n",
    .options = kSetRoleOptions,
    .operands = "USERNAME and ROLE",
    .min_operands = 2,
    .max_operands = 64,
    .run = RunSetRole,
};

}  // namespace latchkey::cli
