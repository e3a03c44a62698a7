// What every latchkeyctl command gets: its parsed arguments and a Context
// that loads the config and opens the core once, knows the output mode,
// and prints errors the one way latchkeyctl prints them.
#ifndef LATCHKEY_CLI_COMMAND_H_
#define LATCHKEY_CLI_COMMAND_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>

#include "args.h"
#include "latchkey/account/user_admin.h"
#include "latchkey/base/result.h"
#include "latchkey/base/status.h"
#include "latchkey/config/config.h"
#include "latchkey/services/services.h"

namespace latchkey::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

inline constexpr std::string_view kProgram = "latchkeyctl";

class Context;
using RunFn = int (*)(Context& ctx, const ParsedArgs& args);

struct Command {
  std::string_view name;     // "user add"
  std::string_view usage;    // after "latchkeyctl ": "user add USERNAME ..."
  std::string_view summary;  // one line for the command list
  std::string_view help;     // the options, one per line; may be empty
  std::span<const OptionSpec> options;
  std::string_view operands = {};  // "USERNAME", for "missing USERNAME"
  size_t min_operands = 0;
  size_t max_operands = 0;
  RunFn run = nullptr;
};

// Prints "usage: latchkeyctl <usage>", the summary and the help.
void PrintCommandHelp(std::ostream& out, const Command& command);

class Context {
 public:
  Context(const Command& command, std::string config_path, bool json,
          std::ostream& out, std::ostream& err);
  ~Context();

  const Command& command() const { return command_; }
  bool json() const { return json_; }
  const std::string& config_path() const { return config_path_; }
  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }

  // The config, loaded on first use. Errors as from LoadConfig.
  Result<const Config*> config();
  // The core, opened from the config on first use (the database connects
  // lazily, on the first statement).
  Result<Services*> services();
  // The Unix user running latchkeyctl, for the audit trail: service "cli",
  // this process's tty and pid, name "root (uid 0)" (plus ", sudo from
  // alice" when run through sudo).
  const AdminActor& actor();

  // Prints "latchkeyctl: <message>" on stderr and returns kExitFailure. An
  // Unavailable status whose text does not name the database reads
  // "database unavailable: ..."; one that does ("cannot reach the
  // database: ...") is printed as it is, so it is said once.
  int Fail(const Status& status);
  int Fail(std::string_view message);
  // Prints "latchkeyctl: <message>" and this command's usage line on
  // stderr, and returns kExitUsage.
  int Usage(std::string_view message);
  // Prints "latchkeyctl: warning: <message>" on stderr.
  void Warn(std::string_view message);

 private:
  const Command& command_;
  std::string config_path_;
  bool json_;
  std::ostream& out_;
  std::ostream& err_;
  std::optional<Result<Config>> config_;
  std::unique_ptr<Services> services_;
  std::optional<AdminActor> actor_;
};

// The message latchkeyctl prints for `status` (without the program name).
std::string ErrorMessage(const Status& status);

// Reads one line from stdin into a Secret (the trailing "\n" or "\r\n"
// removed), turning echo off and prompting with `prompt` on stderr when
// stdin is a terminal. Errors: InvalidArgument "no password on standard
// input" for empty input, "... too long" past 4096 bytes, IoError.
Result<Secret> ReadPasswordFromStdin(std::string_view prompt);

// The commands, each defined in its cmd_*.cc file.
extern const Command kMigrateCommand;
extern const Command kDoctorCommand;
extern const Command kGenKeyCommand;
extern const Command kNssSyncCommand;
extern const Command kUserAddCommand;
extern const Command kUserShowCommand;
extern const Command kUserListCommand;
extern const Command kUserLockCommand;
extern const Command kUserUnlockCommand;
extern const Command kUserActivateCommand;
extern const Command kUserDeactivateCommand;
extern const Command kUserDeleteCommand;
extern const Command kUserSetRoleCommand;
extern const Command kUserSetPasswordCommand;
extern const Command kUserTotpEnableCommand;
extern const Command kUserTotpResetCommand;
// Invitations and reset links (issue 11, part "invite"), cmd_user_links.cc.
extern const Command kUserInviteCommand;
extern const Command kUserResetLinkCommand;
extern const Command kUserResetMailCommand;
extern const Command kUserExpireCommand;
extern const Command kUserVerifyEmailCommand;
extern const Command kUserRevokeSessionsCommand;
extern const Command kAuditTailCommand;
extern const Command kHostAddCommand;
extern const Command kHostListCommand;
extern const Command kHostRevokeCommand;
// Admin area, roles and audit log part
extern const Command kRoleListCommand;
extern const Command kRoleAddCommand;
extern const Command kRoleDeleteCommand;
extern const Command kAuditExportCommand;
extern const Command kStatsCommand;  // cmd_stats.cc (issue 11, overview)
// cmd_user_ssh_key.cc (issue 12, part "sshkeys")
extern const Command kUserSshKeyCommand;
// Fleet mode, host groups and access rules (issue 12, part "groups"):
// cmd_host_group.cc and cmd_host_set.cc.
extern const Command kHostGroupListCommand;
extern const Command kHostGroupAddCommand;
extern const Command kHostGroupDeleteCommand;
extern const Command kHostGroupShowCommand;
extern const Command kHostGroupAllowCommand;
extern const Command kHostGroupDenyCommand;
extern const Command kHostSetCommand;

}  // namespace latchkey::cli

#endif  // LATCHKEY_CLI_COMMAND_H_
