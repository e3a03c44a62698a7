// latchkeyctl user add | show | list
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "command.h"
#include "latchkey/account/user_admin.h"
#include "latchkey/store/user_search.h"
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

// The CLI's options for each UserSearch parameter (user_search.h).
struct ListOption {
  std::string_view param;
  std::string_view option;
  bool takes_value;
};
constexpr ListOption kListParams[] = {
    {"q", "--search", true},
    {"active", "--active", false},
    {"inactive", "--inactive", false},
    {"password_locked", "--password-locked", false},
    {"admin_locked", "--admin-locked", false},
    {"unverified", "--unverified", false},
    {"totp", "--totp", true},
    {"role", "--role", true},
    {"sort", "--sort", true},
    {"limit", "--limit", true},
    {"after", "--after", true},
};

int RunList(Context& ctx, const ParsedArgs& args) {
  std::map<std::string_view, std::string> given;
  for (const ListOption& o : kListParams) {
    if (o.takes_value) {
      if (std::optional<std::string> v = args.value(std::string(o.option))) {
        given[o.param] = *v;
      }
    } else if (args.has(std::string(o.option))) {
      given[o.param] = "1";
    }
  }
  auto param = [&](std::string_view name) -> std::optional<std::string_view> {
    auto it = given.find(name);
    if (it == given.end()) return std::nullopt;
    return std::string_view(it->second);
  };
  auto usage = [&](const FieldErrors& errors) {
    const auto& [name, message] = *errors.fields.begin();
    std::string_view option = name;
    for (const ListOption& o : kListParams) {
      if (o.param == name) option = o.option;
    }
    return ctx.Usage(std::string(option) + ": " + message);
  };
  FieldErrors errors;
  Result<UserQuery> query = ParseUserQuery(param, errors);
  if (!query.ok()) return usage(errors);

  Result<Services*> services = ctx.services();
  if (!services.ok()) return ctx.Fail(services.status());
  UserSearch search((*services)->db(), (*services)->clock());
  Result<UserPage> page = search.Find(*query, errors);
  if (!page.ok()) {
    if (!errors.empty()) return usage(errors);
    return ctx.Fail(page.status());
  }
  const LockoutStore& lockouts = (*services)->lockout_store();

  if (ctx.json()) {
    nlohmann::json list = nlohmann::json::array();
    for (const User& u : page->users) list.push_back(UserJson(u, lockouts));
    PrintJson(ctx.out(),
              {{"users", list},
               {"count", page->count},
               {"count_capped", page->count_capped},
               {"next_cursor", page->next_cursor.empty()
                                   ? nlohmann::json(nullptr)
                                   : nlohmann::json(page->next_cursor)}});
    return kExitOk;
  }
  Table table({"USERNAME", "EMAIL", "FULL NAME", "ACTIVE", "LOCKED", "TOTP",
               "ROLES", "CREATED", "LAST LOGIN"});
  for (const User& u : page->users) {
    table.AddRow({u.username, u.email, u.full_name.empty() ? "-" : u.full_name,
                  std::string(YesNo(u.is_active)),
                  std::string(YesNo(lockouts.AnyLock(u).has_value())),
                  std::string(YesNo(u.has_totp())),
                  u.roles.empty() ? "-" : Join(u.roles, ","),
                  IsoTime(u.created_at), IsoTimeOr(u.last_login_at, "never")});
  }
  table.Print(ctx.out());
  ctx.out() << "(" << (page->count_capped ? "more than " : "") << page->count
            << (page->count == 1 ? " user" : " users") << " match";
  if (!page->next_cursor.empty()) {
    ctx.out() << "; next page: --after " << page->next_cursor;
  }
  ctx.out() << ")\n";
  return kExitOk;
}

constexpr OptionSpec kListOptions[] = {
    {"--search", true, ""},        {"--active", false, ""},
    {"--inactive", false, ""},     {"--password-locked", false, ""},
    {"--admin-locked", false, ""}, {"--unverified", false, ""},
    {"--totp", true, ""},          {"--role", true, ""},
    {"--sort", true, ""},          {"--limit", true, ""},
    {"--after", true, ""},
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
        "user list [--search PREFIX] [--active | --inactive] "
        "[--password-locked]\n         [--admin-locked] [--unverified] "
        "[--totp on|off] [--role ROLE]\n         [--sort created|last-login] "
        "[--limit N] [--after CURSOR]",
    .summary = "list accounts, newest first, with search and filters",
    .help =
        "  --search PREFIX    start of the username, email or full name (any "
        "case);\n                     with an '@' in it, of the email only\n"
        "  --active           only active accounts\n"
        "  --inactive         only deactivated accounts\n"
        "  --password-locked  only accounts whose password lock holds now\n"
        "  --admin-locked     only accounts under an admin lock now\n"
        "  --unverified       only accounts whose email is not verified\n"
        "  --totp on|off      only accounts with (on) or without (off) TOTP\n"
        "  --role ROLE        only holders of ROLE\n"
        "  --sort created|last-login\n"
        "                     newest first by creation (default) or by last "
        "sign-in\n                     (never signed in last)\n"
        "  --limit N          accounts a page (1..1000, default 50)\n"
        "  --after CURSOR     the page after the one that printed CURSOR\n",
    .options = kListOptions,
    .run = RunList,
};

}  // namespace latchkey::cli
