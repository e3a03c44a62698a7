// latchkeyctl host-group list|add|delete|show|allow|deny: host groups and
// their access rules (account/host_admin.h). In fleet mode a user may log
// in to a host only when a rule of the host's group names one of the
// user's roles, for that PAM service or for every service; a group with no
// rule admits nobody.
#include <string>

#include "command.h"
#include "host_json.h"
#include "latchkey/account/host_admin.h"
#include "latchkey/store/role_store.h"
#include "output.h"

namespace latchkey::cli {
namespace {

// Bad input is a usage error (exit 2), before any database work.
int CheckGroupName(Context& ctx, const std::string& name) {
  if (Status s = ValidateHostGroupName(name); !s.ok()) {
    return ctx.Usage(s.message());
  }
  return kExitOk;
}

int RunList(Context& ctx, const ParsedArgs&) {
  Result<Services*> services = ctx.services();
  if (!services.ok()) return ctx.Fail(services.status());
  Result<std::vector<HostGroupSummary>> groups =
      HostAdmin(**services).ListGroups();
  if (!groups.ok()) return ctx.Fail(groups.status());
  if (ctx.json()) {
    nlohmann::json doc = nlohmann::json::array();
    for (const HostGroupSummary& g : *groups) doc.push_back(HostGroupJson(g));
    PrintJson(ctx.out(), doc);
    return kExitOk;
  }
  Table table({"NAME", "HOSTS", "RULES", "DESCRIPTION"});
  for (const HostGroupSummary& g : *groups) {
    table.AddRow({g.name, std::to_string(g.hosts), std::to_string(g.rules),
                  g.description.empty() ? "-" : g.description});
  }
  table.Print(ctx.out());
  return kExitOk;
}

int RunAdd(Context& ctx, const ParsedArgs& args) {
  const std::string& name = args.positionals().at(0);
  const std::string description = args.value("--description").value_or("");
  if (int rc = CheckGroupName(ctx, name); rc != kExitOk) return rc;
  if (Status s = ValidateRoleDescription(description); !s.ok()) {
    return ctx.Usage("--description: " + s.message());
  }
  Result<Services*> services = ctx.services();
  if (!services.ok()) return ctx.Fail(services.status());
  Result<HostGroupSummary> group =
      HostAdmin(**services).CreateGroup(name, description, ctx.actor());
  if (!group.ok()) return ctx.Fail(group.status());
  if (ctx.json()) {
    PrintJson(ctx.out(), HostGroupJson(*group));
    return kExitOk;
  }
  ctx.out() << "host group " << name
            << " created; it admits nobody until a rule allows a role "
               "(latchkeyctl host-group allow "
            << name << " ROLE)\n";
  return kExitOk;
}

int RunDelete(Context& ctx, const ParsedArgs& args) {
  const std::string& name = args.positionals().at(0);
  if (int rc = CheckGroupName(ctx, name); rc != kExitOk) return rc;
  Result<Services*> services = ctx.services();
  if (!services.ok()) return ctx.Fail(services.status());
  AdminActor actor = ctx.actor();
  actor.force = args.has("--force");
  if (Status s = HostAdmin(**services).DeleteGroup(name, actor); !s.ok()) {
    return ctx.Fail(s);
  }
  if (ctx.json()) {
    PrintJson(ctx.out(), {{"name", name}, {"deleted", true}});
    return kExitOk;
  }
  ctx.out() << "host group " << name << " deleted with its rules\n";
  return kExitOk;
}

int RunShow(Context& ctx, const ParsedArgs& args) {
  const std::string& name = args.positionals().at(0);
  if (int rc = CheckGroupName(ctx, name); rc != kExitOk) return rc;
  Result<Services*> services = ctx.services();
  if (!services.ok()) return ctx.Fail(services.status());
  Result<HostGroupDetail> d = HostAdmin(**services).ShowGroup(name);
  if (!d.ok()) return ctx.Fail(d.status());
  if (ctx.json()) {
    nlohmann::json doc = HostGroupJson(d->group);
    nlohmann::json rules = nlohmann::json::array();
    for (const HostAccessRule& r : d->rules) rules.push_back(AccessRuleJson(r));
    nlohmann::json hosts = nlohmann::json::array();
    for (const HostSummary& h : d->hosts) hosts.push_back(HostSummaryJson(h));
    doc["rules"] = std::move(rules);
    doc["hosts"] = std::move(hosts);
    PrintJson(ctx.out(), doc);
    return kExitOk;
  }
  PrintFields(ctx.out(),
              {{"name", d->group.name},
               {"description",
                d->group.description.empty() ? "-" : d->group.description},
               {"created", IsoTime(d->group.created_at)}});
  ctx.out() << "\nrules:";
  if (d->rules.empty()) {
    ctx.out() << " none (the group admits nobody)\n";
  } else {
    ctx.out() << '\n';
    Table rules({"ROLE", "SERVICE"});
    for (const HostAccessRule& r : d->rules) {
      rules.AddRow({r.role, ServiceLabel(r.service)});
    }
    rules.Print(ctx.out());
  }
  ctx.out() << "\nhosts:";
  if (d->hosts.empty()) {
    ctx.out() << " none\n";
  } else {
    ctx.out() << '\n';
    Table hosts({"NAME", "KIND", "LAST SEEN", "MAY RESET", "REVOKED"});
    for (const HostSummary& h : d->hosts) {
      hosts.AddRow({h.name, h.kind, IsoTimeOr(h.last_seen_at, "never"),
                    std::string(YesNo(h.may_reset_passwords)),
                    IsoTimeOr(h.revoked_at, "-")});
    }
    hosts.Print(ctx.out());
  }
  return kExitOk;
}

// allow and deny: GROUP ROLE [--service S].
int RunRule(Context& ctx, const ParsedArgs& args, bool allow) {
  const std::string& group = args.positionals().at(0);
  const std::string& role = args.positionals().at(1);
  const std::string service = args.value("--service").value_or("");
  if (int rc = CheckGroupName(ctx, group); rc != kExitOk) return rc;
  if (Status s = ValidateRoleName(role); !s.ok()) return ctx.Usage(s.message());
  if (Status s = ValidateRuleService(service); !s.ok()) {
    return ctx.Usage("--service: " + s.message());
  }
  Result<Services*> services = ctx.services();
  if (!services.ok()) return ctx.Fail(services.status());
  HostAdmin admin(**services);
  const Status s = allow ? admin.AllowRole(group, role, service, ctx.actor())
                         : admin.DenyRole(group, role, service, ctx.actor());
  if (!s.ok()) return ctx.Fail(s);
  if (ctx.json()) {
    PrintJson(ctx.out(), {{"group", group},
                          {"role", role},
                          {"service", service},
                          {"allowed", allow}});
    return kExitOk;
  }
  if (allow) {
    ctx.out() << "role " << role << " may log in to the hosts of " << group
              << " (" << ServiceLabel(service) << ")\n";
  } else {
    ctx.out() << "removed the rule: role " << role << " -> " << group << " ("
              << ServiceLabel(service) << ")\n";
  }
  return kExitOk;
}

int RunAllow(Context& ctx, const ParsedArgs& args) {
  return RunRule(ctx, args, true);
}
int RunDeny(Context& ctx, const ParsedArgs& args) {
  return RunRule(ctx, args, false);
}

constexpr OptionSpec kAddOptions[] = {{"--description", true, ""}};
constexpr OptionSpec kDeleteOptions[] = {{"--force", false, ""}};
constexpr OptionSpec kRuleOptions[] = {{"--service", true, ""}};

}  // namespace

const Command kHostGroupListCommand = {
    .name = "host-group list",
    .usage = "host-group list",
    .summary = "list host groups with their host and rule counts",
    .help = "",
    .options = {},
    .run = RunList,
};

const Command kHostGroupAddCommand = {
    .name = "host-group add",
    .usage = "host-group add NAME [--description TEXT]",
    .summary = "create a host group (it admits nobody until a rule allows)",
    .help =
        "NAME: 1 to 64 characters a-z, 0-9, '.', '-' and '_', starting with "
        "a letter or digit.\n\n"
        "  --description TEXT   what the group is for (at most 255 "
        "characters)\n",
    .options = kAddOptions,
    .operands = "NAME",
    .min_operands = 1,
    .max_operands = 1,
    .run = RunAdd,
};

const Command kHostGroupDeleteCommand = {
    .name = "host-group delete",
    .usage = "host-group delete NAME [--force]",
    .summary = "delete a host group and its rules",
    .help =
        "Refused while the group has hosts that are not revoked: move them "
        "(host set\nHOST --group OTHER) or revoke them first.\n\n"
        "  --force   delete anyway; its hosts are left in no group and admit "
        "nobody\n            (audited as guard_overridden)\n",
    .options = kDeleteOptions,
    .operands = "NAME",
    .min_operands = 1,
    .max_operands = 1,
    .run = RunDelete,
};

const Command kHostGroupShowCommand = {
    .name = "host-group show",
    .usage = "host-group show NAME",
    .summary = "show a host group's rules and hosts",
    .help = "",
    .options = {},
    .operands = "NAME",
    .min_operands = 1,
    .max_operands = 1,
    .run = RunShow,
};

const Command kHostGroupAllowCommand = {
    .name = "host-group allow",
    .usage = "host-group allow GROUP ROLE [--service SERVICE]",
    .summary = "let a role log in to a host group's hosts",
    .help =
        "Adds the rule: members of ROLE may log in to the hosts of GROUP "
        "(fleet mode).\n\n"
        "  --service SERVICE   only through this PAM service (sshd, sudo, "
        "login, ...);\n"
        "                      without it, through every service\n",
    .options = kRuleOptions,
    .operands = "GROUP ROLE",
    .min_operands = 2,
    .max_operands = 2,
    .run = RunAllow,
};

const Command kHostGroupDenyCommand = {
    .name = "host-group deny",
    .usage = "host-group deny GROUP ROLE [--service SERVICE]",
    .summary = "remove a rule that lets a role log in to a host group",
    .help =
        "Removes the rule that `host-group allow` added with the same "
        "arguments.\n\n"
        "  --service SERVICE   the rule's service (without it: the rule for "
        "every service)\n",
    .options = kRuleOptions,
    .operands = "GROUP ROLE",
    .min_operands = 2,
    .max_operands = 2,
    .run = RunDeny,
};

}  // namespace latchkey::cli
