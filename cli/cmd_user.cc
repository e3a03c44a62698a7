// latchkeyctl user add | show | list
#include <string>
#include <utility>
#include <vector>

#include "command.h"
#include "latchkey/account/user_admin.h"
#include "output.h"
#include "user_common.h"

namespace latchkey::cli {
namespace {

std::string Join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const std::string& s : items) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

// --- user add ---

int RunAdd(Context& ctx, const ParsedArgs& args) {
  const std::optional<std::string> email = args.value("--email");
  if (!email) return ctx.Usage("missing --email");
  if (args.has("--password-stdin") && args.has("--no-password")) {
    return ctx.Usage("--password-stdin and --no-password exclude each other");
  }
  NewAccount account;
  account.username = args.positionals().front();
  account.email = *email;
  account.full_name = args.value("--full-name").value_or("");
  if (std::vector<std::string> roles = args.values("--role"); !roles.empty()) {
    account.roles = std::move(roles);
  }
  account.is_active = !args.has("--inactive");
  account.email_verified = !args.has("--unverified");
  if (args.has("--no-password")) {
    account.password_mode = InitialPassword::kUnusable;
  } else if (args.has("--password-stdin")) {
    account.password_mode = InitialPassword::kGiven;
    Result<Secret> password = ReadPasswordFromStdin("Password: ");
    if (!password.ok()) return ctx.Fail(password.status());
    account.password = std::move(*password);
  }

  Result<Services*> services = ctx.services();
  if (!services.ok()) return ctx.Fail(services.status());
  UserAdmin admin(**services);
  Result<CreatedAccount> created = admin.Create(account, ctx.actor());
  if (!created.ok()) return ctx.Fail(created.status());

  const bool show_password =
      account.password_mode == InitialPassword::kGenerated;
  if (ctx.json()) {
    nlohmann::json doc = {{"id", created->id}, {"username", account.username}};
    if (show_password) doc["password"] = std::string(created->password.view());
    PrintJson(ctx.out(), doc);
    return kExitOk;
  }
  ctx.out() << "created user " << account.username << " (id " << created->id
            << ")\n";
  if (show_password) {
    ctx.out() << "password (shown only now): " << created->password.view()
              << '\n';
  }
  return kExitOk;
}

constexpr OptionSpec kAddOptions[] = {
    {"--email", true, ""},        {"--full-name", true, ""},
    {"--role", true, ""},         {"--inactive", false, ""},
    {"--unverified", false, ""},  {"--password-stdin", false, ""},
    {"--no-password", false, ""},
};

// --- user show ---

int RunShow(Context& ctx, const ParsedArgs& args) {
  Result<UserTarget> target = FindTarget(ctx, args.positionals().front());
  if (!target.ok()) return ctx.Fail(target.status());
  const User& user = target->user;
  Services& services = *target->services;
  Result<int64_t> codes = services.totp_step().RemainingRecoveryCodes(user.id);
  if (!codes.ok()) return ctx.Fail(codes.status());
  const LockoutStore& lockouts = services.lockout_store();

  if (ctx.json()) {
    nlohmann::json doc = UserJson(user, lockouts);
    doc["recovery_codes_left"] = *codes;
    PrintJson(ctx.out(), doc);
    return kExitOk;
  }
  std::string email = user.email;
  email += user.email_verified_at
               ? " (verified " + IsoTime(*user.email_verified_at) + ")"
               : " (not verified)";
  PrintFields(
      ctx.out(),
      {
          {"username", user.username},
          {"id", std::to_string(user.id)},
          {"email", email},
          {"full name", user.full_name.empty() ? "-" : user.full_name},
          {"active", std::string(YesNo(user.is_active))},
          {"locked", LockText(user, lockouts)},
          {"failed logins", std::to_string(user.failed_logins)},
          {"roles", user.roles.empty() ? "-" : Join(user.roles, ", ")},
          {"totp enrolled", std::string(YesNo(user.has_totp()))},
          {"recovery codes left", std::to_string(*codes)},
          {"password changed", IsoTimeOr(user.password_changed_at, "never")},
          {"password expires", IsoTimeOr(user.password_expires_at, "never")},
          {"account expires", IsoTimeOr(user.account_expires_at, "never")},
          {"uid", user.uid ? std::to_string(*user.uid) : "-"},
          {"created", IsoTime(user.created_at)},
          {"updated", IsoTime(user.updated_at)},
          {"last login", IsoTimeOr(user.last_login_at, "never")},
      });
  return kExitOk;
}

// --- user list ---

int RunList(Context& ctx, const ParsedArgs& args) {
  UserFilter filter;
  filter.query = args.value("--filter").value_or("");
  if (args.has("--locked")) filter.locked = true;
  if (args.has("--inactive") && args.has("--active")) {
    return ctx.Usage("--active and --inactive exclude each other");
  }
  if (args.has("--inactive")) filter.active = false;
  if (args.has("--active")) filter.active = true;
  if (std::optional<std::string> role = args.value("--role")) {
    filter.role = *role;
  }
  if (std::optional<std::string> limit = args.value("--limit")) {
    std::optional<unsigned long> n = ParseCount(*limit, 1000);
    if (!n || *n == 0) {
      return ctx.Usage("--limit: expected a number from 1 to 1000, got '" +
                       *limit + "'");
    }
    filter.limit = static_cast<uint32_t>(*n);
  }
  if (std::optional<std::string> offset = args.value("--offset")) {
    std::optional<unsigned long> n = ParseCount(*offset, 1'000'000'000);
    if (!n) {
      return ctx.Usage("--offset: expected a number, got '" + *offset + "'");
    }
    filter.offset = static_cast<uint32_t>(*n);
  }

  Result<Services*> services = ctx.services();
  if (!services.ok()) return ctx.Fail(services.status());
  UserStore& store = (*services)->users();
  Result<std::vector<User>> users = store.List(filter);
  if (!users.ok()) return ctx.Fail(users.status());
  Result<int64_t> total = store.Count(filter);
  if (!total.ok()) return ctx.Fail(total.status());
  const LockoutStore& lockouts = (*services)->lockout_store();

  if (ctx.json()) {
    nlohmann::json list = nlohmann::json::array();
    for (const User& u : *users) list.push_back(UserJson(u, lockouts));
    PrintJson(ctx.out(),
              {{"total", *total}, {"offset", filter.offset}, {"users", list}});
    return kExitOk;
  }
  Table table({"USERNAME", "EMAIL", "FULL NAME", "ACTIVE", "LOCKED", "ROLES",
               "LAST LOGIN"});
  for (const User& u : *users) {
    table.AddRow({u.username, u.email, u.full_name.empty() ? "-" : u.full_name,
                  std::string(YesNo(u.is_active)),
                  std::string(YesNo(lockouts.AnyLock(u).has_value())),
                  u.roles.empty() ? "-" : Join(u.roles, ","),
                  IsoTimeOr(u.last_login_at, "never")});
  }
  table.Print(ctx.out());
  const int64_t shown_to = filter.offset + static_cast<int64_t>(users->size());
  if (shown_to < *total || filter.offset > 0) {
    ctx.out() << "(" << users->size() << " of " << *total
              << " users shown from offset " << filter.offset
              << "; see --limit and --offset)\n";
  }
  return kExitOk;
}

constexpr OptionSpec kListOptions[] = {
    {"--filter", true, ""},  {"--locked", false, ""}, {"--inactive", false, ""},
    {"--active", false, ""}, {"--role", true, ""},    {"--limit", true, ""},
    {"--offset", true, ""},
};

}  // namespace

const Command kUserAddCommand = {
    .name = "user add",
    .usage =
        "user add USERNAME --email EMAIL [--full-name NAME] [--role ROLE "
        "...]\n         [--inactive] [--unverified] [--password-stdin | "
        "--no-password]",
    .summary = "create an account",
    .help =
        "The account is active and its email verified (an admin vouches for "
        "it) unless\nsaid otherwise. Without a password option a strong "
        "random password is\ngenerated and printed once.\n\n"
        "  --email EMAIL      the address (stored lower-case); required\n"
        "  --full-name NAME   the person's name\n"
        "  --role ROLE        a role to hold (repeat for more); default: "
        "user\n"
        "  --inactive         create it deactivated\n"
        "  --unverified       leave the email unverified\n"
        "  --password-stdin   read the password from the first line of "
        "stdin; it must\n                     pass the password policy\n"
        "  --no-password      set a random password that is never shown "
        "(no password\n                     login until one is set)\n",
    .options = kAddOptions,
    .operands = "USERNAME",
    .min_operands = 1,
    .max_operands = 1,
    .run = RunAdd,
};

const Command kUserShowCommand = {
    .name = "user show",
    .usage = "user show USERNAME",
    .summary = "show an account (never its password hash)",
    .help = "",
    .options = {},
    .operands = "USERNAME",
    .min_operands = 1,
    .max_operands = 1,
    .run = RunShow,
};

const Command kUserListCommand = {
    .name = "user list",
    .usage =
        "user list [--filter TEXT] [--locked] [--active | --inactive] "
        "[--role ROLE]\n         [--limit N] [--offset N]",
    .summary = "list accounts, ordered by username",
    .help =
        "  --filter TEXT   part of the username, email or full name "
        "(any case)\n"
        "  --locked        only accounts locked now\n"
        "  --active        only active accounts\n"
        "  --inactive      only deactivated accounts\n"
        "  --role ROLE     only holders of ROLE\n"
        "  --limit N       at most N accounts (1..1000, default 50)\n"
        "  --offset N      skip the first N\n",
    .options = kListOptions,
    .run = RunList,
};

}  // namespace latchkey::cli
