// latchkeyctl user invite | reset-link | reset-mail (issue 11, part
// "invite"; core: account/invitation.h). Mails are queued in the outbox;
// the portal's mail worker sends them.
#include <string>
#include <utility>
#include <vector>

#include "command.h"
#include "latchkey/account/invitation.h"
#include "latchkey/base/clock.h"
#include "output.h"
#include "user_common.h"

namespace latchkey::cli {
namespace {

int RunInvite(Context& ctx, const ParsedArgs& args) {
  const std::string username = args.positionals().front();
  if (args.has("--resend")) {
    if (args.has("--email") || args.has("--full-name") || args.has("--role")) {
      return ctx.Usage(
          "--resend takes no --email, --full-name or --role (it mails the "
          "account's address again)");
    }
    Result<UserTarget> target = FindTarget(ctx, username);
    if (!target.ok()) return ctx.Fail(target.status());
    AccountLinks links(*target->services);
    if (Status s = links.ResendInvitation(target->user, ctx.actor()); !s.ok()) {
      return ctx.Fail(s);
    }
    if (ctx.json()) {
      PrintJson(ctx.out(), {{"username", target->user.username},
                            {"email", target->user.email},
                            {"status", "invited"}});
    } else {
      ctx.out() << "queued a new invitation for " << target->user.username
                << " to " << target->user.email
                << "; the older invitation links no longer work\n";
    }
    return kExitOk;
  }
  const std::optional<std::string> email = args.value("--email");
  if (!email) return ctx.Usage("missing --email");
  InvitationForm form;
  form.username = username;
  form.email = *email;
  form.full_name = args.value("--full-name").value_or("");
  if (std::vector<std::string> roles = args.values("--role"); !roles.empty()) {
    form.roles = std::move(roles);
  }
  Result<Services*> services = ctx.services();
  if (!services.ok()) return ctx.Fail(services.status());
  AccountLinks links(**services);
  Result<int64_t> id = links.Invite(form, ctx.actor());
  if (!id.ok()) return ctx.Fail(id.status());
  if (ctx.json()) {
    PrintJson(
        ctx.out(),
        {{"id", *id}, {"username", form.username}, {"status", "invited"}});
  } else {
    ctx.out() << "invited " << form.username << " (id " << *id
              << "): the invitation mail is queued; the account stays "
                 "inactive until the password is set through its link\n";
  }
  return kExitOk;
}

int RunResetLink(Context& ctx, const ParsedArgs& args) {
  Seconds validity = kResetLinkDefaultValidity;
  if (const std::optional<std::string> valid = args.value("--valid")) {
    Result<Seconds> parsed = ParseResetLinkValidity(*valid);
    if (!parsed.ok()) return ctx.Usage("--valid: " + parsed.status().message());
    validity = *parsed;
  }
  Result<UserTarget> target = FindTarget(ctx, args.positionals().front());
  if (!target.ok()) return ctx.Fail(target.status());
  AccountLinks links(*target->services);
  Result<IssuedResetLink> link =
      links.IssueResetLink(target->user, validity, ctx.actor());
  if (!link.ok()) return ctx.Fail(link.status());
  if (ctx.json()) {
    PrintJson(ctx.out(), {{"url", link->url.view()},
                          {"expires_at", IsoTime(link->expires_at)}});
  } else {
    ctx.out() << "one-time reset link for " << target->user.username
              << " (shown only now; valid until " << IsoTime(link->expires_at)
              << ", works once):\n"
              << link->url.view() << '\n';
  }
  return kExitOk;
}

int RunResetMail(Context& ctx, const ParsedArgs& args) {
  Result<UserTarget> target = FindTarget(ctx, args.positionals().front());
  if (!target.ok()) return ctx.Fail(target.status());
  AccountLinks links(*target->services);
  if (Status s = links.SendResetMail(target->user, ctx.actor()); !s.ok()) {
    return ctx.Fail(s);
  }
  if (ctx.json()) {
    PrintJson(ctx.out(), {{"username", target->user.username},
                          {"email", target->user.email},
                          {"status", "queued"}});
  } else {
    ctx.out() << "queued a password reset mail for " << target->user.username
              << " to " << target->user.email
              << " (its link is valid 1 hour)\n";
  }
  return kExitOk;
}

constexpr OptionSpec kInviteOptions[] = {
    {"--email", true, ""},
    {"--full-name", true, ""},
    {"--role", true, ""},
    {"--resend", false, ""},
};

constexpr OptionSpec kResetLinkOptions[] = {
    {"--valid", true, ""},
};

}  // namespace

const Command kUserInviteCommand = {
    .name = "user invite",
    .usage =
        "user invite USERNAME --email EMAIL [--full-name NAME] [--role "
        "ROLE]... | user invite USERNAME --resend",
    .summary = "create an account without a password and mail an invitation",
    .help =
        "The account is inactive, with an unverified address and no usable "
        "password,\nuntil its owner sets a password through the mailed link "
        "(valid 7 days).\n\n"
        "  --email EMAIL      where the invitation goes (required)\n"
        "  --full-name NAME   the user's full name\n"
        "  --role ROLE        a role (repeatable; default: user)\n"
        "  --resend           mail a new link to an invited account that has "
        "not\n                     accepted yet; the older links stop "
        "working\n",
    .options = kInviteOptions,
    .operands = "USERNAME",
    .min_operands = 1,
    .max_operands = 1,
    .run = RunInvite,
};

const Command kUserResetLinkCommand = {
    .name = "user reset-link",
    .usage = "user reset-link USERNAME [--valid DURATION]",
    .summary = "print a one-time password reset link (shown once)",
    .help =
        "For a user whose mail does not work: hand the link over yourself. "
        "Only a hash\nof it is stored; it works once.\n\n"
        "  --valid DURATION   how long it works: 30m, 1h (default) ... 24h "
        "at most\n",
    .options = kResetLinkOptions,
    .operands = "USERNAME",
    .min_operands = 1,
    .max_operands = 1,
    .run = RunResetLink,
};

const Command kUserResetMailCommand = {
    .name = "user reset-mail",
    .usage = "user reset-mail USERNAME",
    .summary = "mail a user the password reset link of 'forgot my password'",
    .help = "",
    .options = {},
    .operands = "USERNAME",
    .min_operands = 1,
    .max_operands = 1,
    .run = RunResetMail,
};

}  // namespace latchkey::cli
