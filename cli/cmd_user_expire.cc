// latchkeyctl user expire | verify-email | revoke-sessions: the admin
// area's expiry, "mark verified" and "revoke all sessions" at the CLI,
// through the same UserAdmin calls (and audit rows) as the portal.
#include <optional>
#include <string>

#include "command.h"
#include "latchkey/account/user_admin.h"
#include "output.h"
#include "user_common.h"

namespace latchkey::cli {
namespace {

// A time option's value: "never" (nullopt), "now" when `now_ok`, or a
// date (ParseAdminTime). The usage error's text on failure.
struct TimeArg {
  std::optional<int64_t> at;
  std::string error;
};
TimeArg ReadTime(std::string_view option, const std::string& text, bool now_ok,
                 int64_t now) {
  TimeArg out;
  if (text == "never") return out;
  if (now_ok && text == "now") {
    out.at = now;
    return out;
  }
  Result<int64_t> at = ParseAdminTime(text);
  if (!at.ok()) {
    out.error = std::string(option) + ": " + at.status().message() +
                (now_ok ? ", now or never" : ", or never");
  } else {
    out.at = *at;
  }
  return out;
}

std::string TimeText(const std::optional<int64_t>& at) {
  return at ? IsoTime(*at) : "never";
}

int RunExpire(Context& ctx, const ParsedArgs& args) {
  const std::optional<std::string> account = args.value("--account");
  const std::optional<std::string> password = args.value("--password");
  if (!account && !password) {
    return ctx.Usage("give --account, --password or both");
  }
  // The options are checked before the database is opened.
  const int64_t now = SystemClock::Shared().NowUnix();
  TimeArg account_at;
  TimeArg password_at;
  if (account) {
    account_at = ReadTime("--account", *account, false, now);
    if (!account_at.error.empty()) return ctx.Usage(account_at.error);
  }
  if (password) {
    password_at = ReadTime("--password", *password, true, now);
    if (!password_at.error.empty()) return ctx.Usage(password_at.error);
  }
  Result<UserTarget> target = FindTarget(ctx, args.positionals().front());
  if (!target.ok()) return ctx.Fail(target.status());
  const User& user = target->user;
  UserAdmin admin(*target->services);
  nlohmann::json out = {{"username", user.username}};
  std::string text;
  if (account) {
    Status s = admin.SetAccountExpiry(user, account_at.at, ctx.actor());
    if (!s.ok()) return ctx.Fail(s);
    out["account_expires_at"] = TimeText(account_at.at);
    text += "account of " + user.username +
            " expires: " + TimeText(account_at.at) + "\n";
  }
  if (password) {
    Status s = admin.SetPasswordExpiry(user, password_at.at, ctx.actor());
    if (!s.ok()) return ctx.Fail(s);
    out["password_expires_at"] = TimeText(password_at.at);
    text += *password == "now"
                ? user.username + " must change the password at next login\n"
                : "password of " + user.username +
                      " expires: " + TimeText(password_at.at) + "\n";
  }
  if (ctx.json()) {
    PrintJson(ctx.out(), out);
  } else {
    ctx.out() << text;
  }
  return kExitOk;
}

int RunVerifyEmail(Context& ctx, const ParsedArgs& args) {
  Result<UserTarget> target = FindTarget(ctx, args.positionals().front());
  if (!target.ok()) return ctx.Fail(target.status());
  const User& user = target->user;
  Result<bool> changed =
      UserAdmin(*target->services).MarkEmailVerified(user, ctx.actor());
  if (!changed.ok()) return ctx.Fail(changed.status());
  if (ctx.json()) {
    PrintJson(ctx.out(), {{"username", user.username}, {"changed", *changed}});
  } else {
    ctx.out() << (*changed ? "marked the email of " + user.username +
                                 " verified (" + user.email + ")"
                           : "the email of " + user.username +
                                 " is already verified")
              << '\n';
  }
  return kExitOk;
}

int RunRevokeSessions(Context& ctx, const ParsedArgs& args) {
  Result<UserTarget> target = FindTarget(ctx, args.positionals().front());
  if (!target.ok()) return ctx.Fail(target.status());
  const User& user = target->user;
  Result<uint64_t> ended =
      UserAdmin(*target->services).RevokeSessions(user, ctx.actor());
  if (!ended.ok()) return ctx.Fail(ended.status());
  if (ctx.json()) {
    PrintJson(ctx.out(), {{"username", user.username}, {"ended", *ended}});
  } else {
    ctx.out() << "ended " << *ended << " portal session"
              << (*ended == 1 ? "" : "s") << " of " << user.username << '\n';
  }
  return kExitOk;
}

constexpr OptionSpec kExpireOptions[] = {{"--account", true, ""},
                                         {"--password", true, ""}};

}  // namespace

const Command kUserExpireCommand = {
    .name = "user expire",
    .usage =
        "user expire USERNAME [--account DATE|never] "
        "[--password DATE|now|never]",
    .summary = "set when an account or its password expires",
    .help =
        "DATE is UTC: 2027-01-31, 2027-01-31T18:00 or 2027-01-31T18:00:00Z.\n\n"
        "  --account DATE|never         the account stops working then\n"
        "  --password DATE|now|never    the password must be changed then\n"
        "                               (now: at the next login)\n",
    .options = kExpireOptions,
    .operands = "USERNAME",
    .min_operands = 1,
    .max_operands = 1,
    .run = RunExpire,
};

const Command kUserVerifyEmailCommand = {
    .name = "user verify-email",
    .usage = "user verify-email USERNAME",
    .summary = "mark a user's email address verified",
    .help = "",
    .options = {},
    .operands = "USERNAME",
    .min_operands = 1,
    .max_operands = 1,
    .run = RunVerifyEmail,
};

const Command kUserRevokeSessionsCommand = {
    .name = "user revoke-sessions",
    .usage = "user revoke-sessions USERNAME",
    .summary = "end every portal session of a user",
    .help = "",
    .options = {},
    .operands = "USERNAME",
    .min_operands = 1,
    .max_operands = 1,
    .run = RunRevokeSessions,
};

}  // namespace latchkey::cli
