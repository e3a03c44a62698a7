// latchkeyctl: the admin command line. This file holds the command table
// and the dispatch; each command lives in a cmd_*.cc file of its own.
#include <cstdlib>
#include <exception>
#include <iostream>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "command.h"
#include "latchkey/config/config.h"

#ifndef LATCHKEY_VERSION
#define LATCHKEY_VERSION "0.1.0"
#endif

namespace latchkey::cli {
namespace {

// One line per part of the admin area, to ease merging.
// clang-format off
const Command* const kCommands[] = {
    &kMigrateCommand,
    &kDoctorCommand,
    &kGenKeyCommand,
    &kNssSyncCommand,
    &kUserAddCommand,
    &kUserShowCommand,
    &kUserListCommand,
    &kUserLockCommand,
    &kUserUnlockCommand,
    &kUserActivateCommand,
    &kUserDeactivateCommand,
    &kUserDeleteCommand,
    &kUserSetRoleCommand,
    &kUserSetPasswordCommand,
    &kUserTotpEnableCommand,
    &kUserTotpResetCommand,
    &kAuditTailCommand,
    &kHostAddCommand,
    &kHostListCommand,
    &kHostRevokeCommand,
    // Admin area: roles and audit log (part "audit"), stats ("overview"),
    // invitations and reset links ("invite").
    &kRoleListCommand,
    &kRoleAddCommand,
    &kRoleDeleteCommand,
    &kAuditExportCommand,
    &kStatsCommand,
    &kUserInviteCommand,
    &kUserResetLinkCommand,
    &kUserResetMailCommand,
    // Admin area, the user page and its actions part
    &kUserExpireCommand,
    &kUserVerifyEmailCommand,
    &kUserRevokeSessionsCommand,
    // SSH public keys (issue 12, part "sshkeys")
    &kUserSshKeyCommand,
    // Fleet mode: host groups and access rules (issue 12, part "groups")
    &kHostGroupListCommand,
    &kHostGroupAddCommand,
    &kHostGroupDeleteCommand,
    &kHostGroupShowCommand,
    &kHostGroupAllowCommand,
    &kHostGroupDenyCommand,
    &kHostSetCommand,
};
// clang-format on

// Words that start a two-word command ("user add").
constexpr std::string_view kGroups[] = {"user", "audit", "host", "role",
                                        "host-group"};

constexpr OptionSpec kGlobalOptions[] = {
    {"--config", true, ""},
    {"--json", false, ""},
    {"--help", false, "-h"},
};

void PrintOverview(std::ostream& out, std::string_view group = {}) {
  if (group.empty()) {
    out << "usage: " << kProgram
        << " [--config PATH] [--json] COMMAND [ARGS...]\n"
           "       "
        << kProgram
        << " --help | --version\n\n"
           "Administers latchkey: accounts kept in MariaDB for PAM and the "
           "portal.\n\nCommands:\n";
  } else {
    out << "usage: " << kProgram << ' ' << group
        << " SUBCOMMAND [ARGS...]\n\nSubcommands:\n";
  }
  for (const Command* c : kCommands) {
    if (!group.empty() && !c->name.starts_with(std::string(group) + " ")) {
      continue;
    }
    std::string name(c->name);
    out << "  " << name;
    for (size_t i = name.size(); i < 22; ++i) out << ' ';
    out << c->summary << '\n';
  }
  out << "\nGlobal options (before or after the command):\n"
         "  --config PATH  the config file (default: $LATCHKEY_CONFIG, else "
      << kDefaultConfigPath
      << ")\n"
         "  --json         print one JSON document on stdout (errors stay on "
         "stderr)\n"
         "  --help         help for latchkeyctl or for a command\n"
         "  --version      print the version\n\n"
         "Exit status: 0 ok, 1 failure, 2 usage error.\n"
         "Run '"
      << kProgram << " COMMAND --help' for a command's options.\n";
}

int TopLevelUsage(std::string_view message) {
  std::cerr << kProgram << ": " << message << " (see " << kProgram
            << " --help)\n";
  return kExitUsage;
}

bool IsGroup(std::string_view word) {
  for (std::string_view g : kGroups) {
    if (g == word) return true;
  }
  return false;
}

const Command* FindCommand(std::string_view name) {
  for (const Command* c : kCommands) {
    if (c->name == name) return c;
  }
  return nullptr;
}

int Run(const std::vector<std::string>& args) {
  std::string config_path;
  bool json = false;
  size_t i = 0;
  // Global options before the command.
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.empty() || a[0] != '-') break;
    if (a == "--help" || a == "-h") {
      PrintOverview(std::cout);
      return kExitOk;
    }
    if (a == "--version") {
      std::cout << kProgram << ' ' << LATCHKEY_VERSION << '\n';
      return kExitOk;
    }
    if (a == "--json") {
      json = true;
    } else if (a == "--config") {
      if (i + 1 >= args.size()) {
        return TopLevelUsage("option '--config' needs a value");
      }
      config_path = args[++i];
    } else if (a.starts_with("--config=")) {
      config_path = a.substr(9);
    } else {
      const std::string name = a.substr(0, a.find('='));
      return TopLevelUsage("unknown option '" + name + "'");
    }
  }
  if (i >= args.size()) {
    PrintOverview(std::cerr);
    return kExitUsage;
  }

  std::string name = args[i++];
  if (IsGroup(name)) {
    if (i >= args.size()) {
      std::cerr << kProgram << ": '" << name << "' needs a subcommand\n";
      PrintOverview(std::cerr, name);
      return kExitUsage;
    }
    const std::string& sub = args[i];
    if (sub == "--help" || sub == "-h") {
      PrintOverview(std::cout, name);
      return kExitOk;
    }
    if (FindCommand(name + " " + sub) == nullptr) {
      return TopLevelUsage("unknown command '" + name + " " + sub + "'");
    }
    name += " " + sub;
    ++i;
  }
  const Command* command = FindCommand(name);
  if (command == nullptr) {
    return TopLevelUsage("unknown command '" + name + "'");
  }

  std::vector<OptionSpec> specs(command->options.begin(),
                                command->options.end());
  specs.insert(specs.end(), std::begin(kGlobalOptions),
               std::end(kGlobalOptions));
  const std::vector<std::string> rest(args.begin() + static_cast<long>(i),
                                      args.end());
  ParsedArgs parsed;
  const std::optional<std::string> error = ParseArgs(rest, specs, parsed);

  if (std::optional<std::string> c = parsed.value("--config")) {
    config_path = *c;
  }
  if (config_path.empty()) {
    const char* env = std::getenv("LATCHKEY_CONFIG");
    config_path = (env != nullptr && *env != '\0') ? env : kDefaultConfigPath;
  }
  json = json || parsed.has("--json");
  Context ctx(*command, config_path, json, std::cout, std::cerr);

  if (error) return ctx.Usage(*error);
  if (parsed.has("--help")) {
    PrintCommandHelp(std::cout, *command);
    return kExitOk;
  }
  const size_t n = parsed.positionals().size();
  if (n < command->min_operands) {
    return ctx.Usage("missing " + std::string(command->operands));
  }
  if (n > command->max_operands) {
    return ctx.Usage("unexpected argument '" +
                     parsed.positionals()[command->max_operands] + "'");
  }
  const int rc = command->run(ctx, parsed);
  std::cout.flush();
  if (!std::cout) {
    std::cerr << kProgram << ": cannot write to standard output\n";
    return kExitFailure;
  }
  return rc;
}

}  // namespace
}  // namespace latchkey::cli

int main(int argc, char** argv) {
  // Nothing may end in a stack trace or an abort: whatever escapes is one
  // line and exit status 1.
  try {
    std::vector<std::string> args(argv + 1, argv + argc);
    return latchkey::cli::Run(args);
  } catch (const std::bad_alloc&) {
    std::cerr << "latchkeyctl: out of memory\n";
  } catch (const std::exception& e) {
    std::cerr << "latchkeyctl: internal error: " << e.what() << '\n';
  } catch (...) {
    std::cerr << "latchkeyctl: internal error\n";
  }
  return latchkey::cli::kExitFailure;
}
