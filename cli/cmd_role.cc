// latchkeyctl role list|add|delete: the roles accounts can hold
// (account/role_admin.h). A role that a PAM stack names (`require_role=`)
// is made here like any other.
#include <string>

#include "command.h"
#include "latchkey/account/role_admin.h"
#include "output.h"

namespace latchkey::cli {
namespace {

nlohmann::json RoleJson(const RoleSummary& r) {
  return {{"name", r.name},
          {"description", r.description},
          {"members", r.members},
          {"builtin", IsBuiltinRole(r.name)}};
}

int RunList(Context& ctx, const ParsedArgs&) {
  Result<Services*> services = ctx.services();
  if (!services.ok()) return ctx.Fail(services.status());
  Result<std::vector<RoleSummary>> roles = RoleAdmin(**services).List();
  if (!roles.ok()) return ctx.Fail(roles.status());
  if (ctx.json()) {
    nlohmann::json doc = nlohmann::json::array();
    for (const RoleSummary& r : *roles) doc.push_back(RoleJson(r));
    PrintJson(ctx.out(), doc);
    return kExitOk;
  }
  Table table({"NAME", "MEMBERS", "DESCRIPTION"});
  for (const RoleSummary& r : *roles) {
    table.AddRow({r.name, std::to_string(r.members),
                  r.description.empty() ? "-" : r.description});
  }
  table.Print(ctx.out());
  return kExitOk;
}

int RunAdd(Context& ctx, const ParsedArgs& args) {
  const std::string& name = args.positionals().at(0);
  const std::string description = args.value("--description").value_or("");
  // Bad input is a usage error (exit 2), before any database work.
  if (Status s = ValidateRoleName(name); !s.ok()) return ctx.Usage(s.message());
  if (Status s = ValidateRoleDescription(description); !s.ok()) {
    return ctx.Usage("--description: " + s.message());
  }
  Result<Services*> services = ctx.services();
  if (!services.ok()) return ctx.Fail(services.status());
  if (Status s = RoleAdmin(**services).Create(name, description, ctx.actor());
      !s.ok()) {
    return ctx.Fail(s);
  }
  if (ctx.json()) {
    PrintJson(ctx.out(), RoleJson({name, description, 0}));
    return kExitOk;
  }
  ctx.out() << "role " << name << " created\n";
  return kExitOk;
}

int RunDelete(Context& ctx, const ParsedArgs& args) {
  const std::string& name = args.positionals().at(0);
  if (Status s = ValidateRoleName(name); !s.ok()) return ctx.Usage(s.message());
  Result<Services*> services = ctx.services();
  if (!services.ok()) return ctx.Fail(services.status());
  Result<int64_t> members = RoleAdmin(**services).Delete(name, ctx.actor());
  if (!members.ok()) return ctx.Fail(members.status());
  if (ctx.json()) {
    PrintJson(ctx.out(), {{"name", name}, {"members_removed", *members}});
    return kExitOk;
  }
  ctx.out() << "role " << name << " deleted; " << *members
            << (*members == 1 ? " account" : " accounts")
            << " no longer hold it\n";
  return kExitOk;
}

constexpr OptionSpec kAddOptions[] = {
    {"--description", true, ""},
};

}  // namespace

const Command kRoleListCommand = {
    .name = "role list",
    .usage = "role list",
    .summary = "list the roles with how many accounts hold each",
    .help = "",
    .options = {},
    .run = RunList,
};

const Command kRoleAddCommand = {
    .name = "role add",
    .usage = "role add NAME [--description TEXT]",
    .summary = "create a role",
    .help =
        "NAME: a lower-case letter, then up to 63 lower-case letters, digits, "
        "'_' or '-'.\n\n"
        "  --description TEXT   what the role is for (at most 255 "
        "characters)\n",
    .options = kAddOptions,
    .operands = "NAME",
    .min_operands = 1,
    .max_operands = 1,
    .run = RunAdd,
};

const Command kRoleDeleteCommand = {
    .name = "role delete",
    .usage = "role delete NAME",
    .summary = "delete a role; every account holding it loses it",
    .help = "admin and user cannot be deleted.\n",
    .options = {},
    .operands = "NAME",
    .min_operands = 1,
    .max_operands = 1,
    .run = RunDelete,
};

}  // namespace latchkey::cli
