// latchkeyctl user lock | unlock | activate | deactivate | delete | set-role
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
  if (Status s = admin.Lock(user, until, ctx.actor()); !s.ok()) {
    return ctx.Fail(s);
  }
  const bool forever = until == kLockedUntilUnlocked;
  return Done(ctx, user, true,
              "locked " + user.username +
                  (forever ? " until unlocked" : " until " + IsoTime(until)),
              {{"locked_until", forever ? "unlocked" : IsoTime(until)}});
}

int RunUnlock(Context& ctx, const ParsedArgs& args) {
  Result<UserTarget> target = FindTarget(ctx, args.positionals().front());
  if (!target.ok()) return ctx.Fail(target.status());
  const User& user = target->user;
  const bool was_locked =
      target->services->lockout_store().AnyLock(user).has_value();
  UserAdmin admin(*target->services);
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
  Result<bool> changed = admin.SetActive(user, active, ctx.actor());
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
  if (Status s = admin.Delete(target->user, ctx.actor()); !s.ok()) {
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
  bool any_changed = false;
  std::string text;
  for (size_t i = 1; i < args.positionals().size(); ++i) {
    const std::string& role = args.positionals()[i];
    Result<bool> changed = remove ? admin.RemoveRole(user, role, ctx.actor())
                                  : admin.AddRole(user, role, ctx.actor());
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

constexpr OptionSpec kLockOptions[] = {{"--for", true, ""}};
constexpr OptionSpec kDeleteOptions[] = {{"--yes", false, "-y"}};
constexpr OptionSpec kSetRoleOptions[] = {{"--remove", false, ""}};

}  // namespace

const Command kUserLockCommand = {
    .name = "user lock",
    .usage = "user lock USERNAME [--for DURATION]",
    .summary = "lock an account (until unlocked, or for a while)",
    .help =
        "Logins are refused while locked, without checking the "
        "password.\n\n"
        "  --for DURATION   end the lock after DURATION (e.g. 30m, 12h, "
        "7d); default:\n                   until 'latchkeyctl user "
        "unlock'\n",
    .options = kLockOptions,
    .operands = "USERNAME",
    .min_operands = 1,
    .max_operands = 1,
    .run = RunLock,
};

const Command kUserUnlockCommand = {
    .name = "user unlock",
    .usage = "user unlock USERNAME",
    .summary = "end a lock and clear the failed-login counts",
    .help = "",
    .options = {},
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
    .usage = "user deactivate USERNAME",
    .summary = "stop an account from logging in (kept, reversible)",
    .help = "",
    .options = {},
    .operands = "USERNAME",
    .min_operands = 1,
    .max_operands = 1,
    .run = RunDeactivate,
};

const Command kUserDeleteCommand = {
    .name = "user delete",
    .usage = "user delete USERNAME --yes",
    .summary = "delete an account for good (its audit trail stays)",
    .help = "  --yes, -y   required: confirms the deletion\n",
    .options = kDeleteOptions,
    .operands = "USERNAME",
    .min_operands = 1,
    .max_operands = 1,
    .run = RunDelete,
};

const Command kUserSetRoleCommand = {
    .name = "user set-role",
    .usage = "user set-role USERNAME ROLE... [--remove]",
    .summary = "give a user roles, or take them away",
    .help = "  --remove   take the roles away instead of adding them\n",
    .options = kSetRoleOptions,
    .operands = "USERNAME and ROLE",
    .min_operands = 2,
    .max_operands = 64,
    .run = RunSetRole,
};

}  // namespace latchkey::cli
