// latchkeyctl host set NAME [--group G | --no-group]
//                          [--may-reset-passwords on|off]
// Moves a host to a host group and sets whether it may change a password
// without the old one (account/host_admin.h). Adding, listing and revoking
// hosts are cmd_host.cc's.
#include <string>

#include "command.h"
#include "host_json.h"
#include "latchkey/account/host_admin.h"
#include "latchkey/store/host_store.h"
#include "output.h"

namespace latchkey::cli {
namespace {

int RunSet(Context& ctx, const ParsedArgs& args) {
  const std::string& name = args.positionals().at(0);
  if (Status s = ValidateHostName(name); !s.ok()) return ctx.Usage(s.message());
  const std::optional<std::string> group = args.value("--group");
  const bool no_group = args.has("--no-group");
  const std::optional<std::string> flag = args.value("--may-reset-passwords");
  if (group && no_group) {
    return ctx.Usage("give --group or --no-group, not both");
  }
  if (!group && !no_group && !flag) {
    return ctx.Usage(
        "nothing to set: give --group, --no-group or --may-reset-passwords");
  }
  if (group) {
    if (Status s = ValidateHostGroupName(*group); !s.ok()) {
      return ctx.Usage("--group: " + s.message());
    }
  }
  std::optional<bool> may_reset;
  if (flag) {
    if (*flag == "on" || *flag == "yes") {
      may_reset = true;
    } else if (*flag == "off" || *flag == "no") {
      may_reset = false;
    } else {
      return ctx.Usage("--may-reset-passwords: on or off");
    }
  }
  Result<Services*> services = ctx.services();
  if (!services.ok()) return ctx.Fail(services.status());
  HostAdmin admin(**services);
  bool changed = false;
  if (group || no_group) {
    Result<bool> moved = admin.SetHostGroup(name, group, ctx.actor());
    if (!moved.ok()) return ctx.Fail(moved.status());
    changed = *moved;
  }
  if (may_reset) {
    Result<bool> set =
        admin.SetMayResetPasswords(name, *may_reset, ctx.actor());
    if (!set.ok()) return ctx.Fail(set.status());
    changed = changed || *set;
  }
  Result<HostSummary> host = admin.FindHost(name);
  if (!host.ok()) return ctx.Fail(host.status());
  if (ctx.json()) {
    nlohmann::json doc = HostSummaryJson(*host);
    doc["changed"] = changed;
    PrintJson(ctx.out(), doc);
    return kExitOk;
  }
  ctx.out() << "host " << host->name << (changed ? ": " : " unchanged: ")
            << "group " << (host->group.empty() ? "none" : host->group)
            << ", may reset passwords " << YesNo(host->may_reset_passwords)
            << '\n';
  return kExitOk;
}

constexpr OptionSpec kSetOptions[] = {
    {"--group", true, ""},
    {"--no-group", false, ""},
    {"--may-reset-passwords", true, ""},
};

}  // namespace

const Command kHostSetCommand = {
    .name = "host set",
    .usage =
        "host set NAME [--group GROUP | --no-group] "
        "[--may-reset-passwords on|off]",
    .summary = "move a host to a host group; let it reset passwords",
    .help =
        "  --group GROUP                 put the host in GROUP (whose access "
        "rules then\n"
        "                                decide who may log in there, in "
        "fleet mode)\n"
        "  --no-group                    take it out of its group: it admits "
        "nobody\n"
        "  --may-reset-passwords on|off  whether the host may set a "
        "password without the\n"
        "                                old one (fleet hosts only: root "
        "there is then\n"
        "                                root over those users)\n",
    .options = kSetOptions,
    .operands = "NAME",
    .min_operands = 1,
    .max_operands = 1,
    .run = RunSet,
};

}  // namespace latchkey::cli
