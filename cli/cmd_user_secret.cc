// latchkeyctl user set-password | totp-enable | totp-reset
#include <string>
#include <vector>

#include "command.h"
#include "latchkey/account/user_admin.h"
#include "output.h"
#include "user_common.h"

namespace latchkey::cli {
namespace {

int RunSetPassword(Context& ctx, const ParsedArgs& args) {
  Secret given;
  const bool from_stdin = args.has("--password-stdin");
  if (from_stdin) {
    Result<Secret> password = ReadPasswordFromStdin("New password: ");
    if (!password.ok()) return ctx.Fail(password.status());
    given = std::move(*password);
  }
  Result<UserTarget> target = FindTarget(ctx, args.positionals().front());
  if (!target.ok()) return ctx.Fail(target.status());
  const User& user = target->user;
  Services& services = *target->services;
  if (!from_stdin) {
    Result<Secret> generated = GeneratePassword(
        services.random(), services.policy(), user.username, user.email);
    if (!generated.ok()) return ctx.Fail(generated.status());
    given = std::move(*generated);
  }
  UserAdmin admin(services);
  const bool must_change = args.has("--must-change");
  if (Status s = admin.SetPassword(user, given, must_change, ctx.actor());
      !s.ok()) {
    return ctx.Fail(s);
  }
  if (ctx.json()) {
    nlohmann::json doc = {{"username", user.username},
                          {"must_change", must_change}};
    if (!from_stdin) doc["password"] = std::string(given.view());
    PrintJson(ctx.out(), doc);
    return kExitOk;
  }
  ctx.out() << "set a new password for " << user.username
            << "; reset links and portal sessions ended\n";
  if (!from_stdin) {
    ctx.out() << "password (shown only now): " << given.view() << '\n';
  }
  if (must_change) {
    ctx.out() << user.username << " must change it at the next login\n";
  }
  return kExitOk;
}

int RunTotpEnable(Context& ctx, const ParsedArgs& args) {
  Result<UserTarget> target = FindTarget(ctx, args.positionals().front());
  if (!target.ok()) return ctx.Fail(target.status());
  const User& user = target->user;
  UserAdmin admin(*target->services);
  Result<TotpEnrollment> enrolled = admin.EnableTotp(user, ctx.actor());
  if (!enrolled.ok()) return ctx.Fail(enrolled.status());

  std::vector<std::string> codes;
  for (const Secret& code : enrolled->recovery_codes) {
    codes.emplace_back(code.view());
  }
  if (ctx.json()) {
    PrintJson(ctx.out(), {{"username", user.username},
                          {"otpauth_uri", enrolled->uri.view()},
                          {"secret", enrolled->base32.view()},
                          {"recovery_codes", codes}});
  } else {
    ctx.out() << "TOTP enabled for " << user.username
              << ". Shown only now; hand over securely:\n"
              << "otpauth URI:  " << enrolled->uri.view() << '\n'
              << "secret:       " << enrolled->base32.view() << '\n'
              << "recovery codes (each works once):\n";
    for (const std::string& code : codes) ctx.out() << "  " << code << '\n';
  }
  for (std::string& code : codes) WipeString(code);
  return kExitOk;
}

int RunTotpReset(Context& ctx, const ParsedArgs& args) {
  Result<UserTarget> target = FindTarget(ctx, args.positionals().front());
  if (!target.ok()) return ctx.Fail(target.status());
  const User& user = target->user;
  UserAdmin admin(*target->services);
  AdminActor actor = ctx.actor();
  actor.force = args.has("--force");
  Result<bool> changed = admin.DisableTotp(user, actor);
  if (!changed.ok()) return ctx.Fail(changed.status());
  if (ctx.json()) {
    PrintJson(ctx.out(), {{"username", user.username}, {"changed", *changed}});
  } else if (*changed) {
    ctx.out() << "TOTP disabled and recovery codes deleted for "
              << user.username << '\n';
  } else {
    ctx.out() << user.username << " has no TOTP enrolled\n";
  }
  return kExitOk;
}

constexpr OptionSpec kTotpResetOptions[] = {{"--force", false, ""}};

constexpr OptionSpec kSetPasswordOptions[] = {
    {"--password-stdin", false, ""},
    {"--must-change", false, ""},
};

}  // namespace

const Command kUserSetPasswordCommand = {
    .name = "user set-password",
    .usage = "user set-password USERNAME [--password-stdin] [--must-change]",
    .summary = "set a password (ends reset links and portal sessions)",
    .help =
        "Without --password-stdin a strong random password is generated "
        "and printed once.\n\n"
        "  --password-stdin   read the password from the first line of "
        "stdin; it must\n                     pass the password policy\n"
        "  --must-change      expire it at once: the next login must "
        "change it\n",
    .options = kSetPasswordOptions,
    .operands = "USERNAME",
    .min_operands = 1,
    .max_operands = 1,
    .run = RunSetPassword,
};

const Command kUserTotpEnableCommand = {
    .name = "user totp-enable",
    .usage = "user totp-enable USERNAME",
    .summary = "enrol TOTP: prints the otpauth URI, secret and recovery codes",
    .help =
        "The user must not have TOTP yet (see totp-reset). Needs the "
        "secret key file.\n",
    .options = {},
    .operands = "USERNAME",
    .min_operands = 1,
    .max_operands = 1,
    .run = RunTotpEnable,
};

const Command kUserTotpResetCommand = {
    .name = "user totp-reset",
    .usage = "user totp-reset USERNAME [--force]",
    .summary = "remove a user's TOTP key and recovery codes",
    .help = "  --force   reset even the last administrator's TOTP (audited)\n",
    .options = kTotpResetOptions,
    .operands = "USERNAME",
    .min_operands = 1,
    .max_operands = 1,
    .run = RunTotpReset,
};

}  // namespace latchkey::cli
