// latchkeyctl migrate [--status | --grants]
#include <cstdio>
#include <set>

#include "command.h"
#include "latchkey/db/migrations.h"
#include "output.h"

namespace latchkey::cli {
namespace {

// "007", as in the SQL file's name.
std::string VersionNumber(const MigrationState& m) {
  char num[16];
  std::snprintf(num, sizeof num, "%03d", m.version);
  return num;
}

std::string FileName(const MigrationState& m) {
  return VersionNumber(m) + "_" + m.name;
}

int ShowStatus(Context& ctx, db::Connection& conn) {
  Result<std::vector<MigrationState>> states = GetMigrationStates(conn);
  if (!states.ok()) return ctx.Fail(states.status());
  const int latest = LatestSchemaVersion();
  if (ctx.json()) {
    nlohmann::json list = nlohmann::json::array();
    for (const MigrationState& m : *states) {
      list.push_back({{"version", m.version},
                      {"name", m.name},
                      {"applied_at", JsonTime(m.applied_at)},
                      {"known", m.version <= latest}});
    }
    PrintJson(ctx.out(), {{"migrations", list}});
    return kExitOk;
  }
  Table table({"VERSION", "NAME", "APPLIED"});
  for (const MigrationState& m : *states) {
    std::string when = IsoTimeOr(m.applied_at, "pending");
    if (m.version > latest) when += " (unknown to this latchkeyctl)";
    table.AddRow({VersionNumber(m), m.name, when});
  }
  table.Print(ctx.out());
  return kExitOk;
}

int Run(Context& ctx, const ParsedArgs& args) {
  Result<Services*> services = ctx.services();
  if (!services.ok()) return ctx.Fail(services.status());
  db::Connection& conn = (*services)->db();
  if (args.has("--status")) {
    if (args.has("--grants")) {
      return ctx.Usage("--status and --grants do not go together");
    }
    return ShowStatus(ctx, conn);
  }

  Result<std::vector<MigrationState>> before = GetMigrationStates(conn);
  if (!before.ok()) return ctx.Fail(before.status());
  std::set<int> pending;
  for (const MigrationState& m : *before) {
    if (!m.applied_at) pending.insert(m.version);
  }
  Result<int> applied = ApplyPendingMigrations(conn, (*services)->clock());
  if (!applied.ok()) return ctx.Fail(applied.status());
  Result<std::vector<MigrationState>> after = GetMigrationStates(conn);
  if (!after.ok()) return ctx.Fail(after.status());

  std::vector<std::string> names;
  for (const MigrationState& m : *after) {
    if (pending.contains(m.version) && m.applied_at) {
      names.push_back(FileName(m));
    }
  }
  // The roles come after the schema: grants.sql names its tables.
  const bool grants = args.has("--grants");
  if (grants) {
    if (Status s = ApplyGrants(conn); !s.ok()) return ctx.Fail(s);
  }
  const int latest = LatestSchemaVersion();
  if (ctx.json()) {
    PrintJson(ctx.out(),
              {{"applied", names}, {"version", latest}, {"grants", grants}});
    return kExitOk;
  }
  for (const std::string& n : names) ctx.out() << "applied " << n << '\n';
  if (names.empty()) {
    ctx.out() << "the schema is current (version " << latest << ")\n";
  }
  if (grants) {
    ctx.out() << "applied grants.sql (roles latchkey_pam, latchkey_portal)\n";
  }
  return kExitOk;
}

constexpr OptionSpec kOptions[] = {{"--status", false, ""},
                                   {"--grants", false, ""}};

}  // namespace

const Command kMigrateCommand = {
    .name = "migrate",
    .usage = "migrate [--status | --grants]",
    .summary = "apply pending schema migrations, or list them",
    .help =
        "  --status   list every migration with the time it was applied, "
        "or 'pending'\n"
        "  --grants   then apply grants.sql: the least-privilege roles "
        "latchkey_pam\n"
        "             and latchkey_portal (needs GRANT rights)\n",
    .options = kOptions,
    .run = Run,
};

}  // namespace latchkey::cli
