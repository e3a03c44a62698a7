// pam_sm_chauthtok in fleet mode: password.cc's steps, answered by
// latchkey-agent (ops account, change_password).
//
// Both passes first ask the agent about the account (op account): an
// unknown name is PAM_USER_UNKNOWN before any prompt (a stack goes on to
// pam_unix), a missing agent is PAM_TRY_AGAIN / PAM_AUTHINFO_UNAVAIL, and
// PAM_CHANGE_EXPIRED_AUTHTOK renews only an expired password.
//
// Root without the current password (root_may_reset, as in direct mode)
// sends "old_password": null; the directory then also requires this host
// to be allowed to reset passwords, else "not_allowed".
#include <unistd.h>

#include <optional>
#include <string>

#include "agent_client.h"
#include "phases.h"
#include "tell_user.h"

namespace latchkey::pam {

int ChangePasswordThroughAgent(PamIo& io, const ModuleOptions& options,
                               const Config& config, const std::string& user) {
  const int flags = io.flags();
  const Phase phase = (flags & PAM_PRELIM_CHECK) != 0 ? Phase::kPasswordPrelim
                                                      : Phase::kPasswordUpdate;
  std::optional<int64_t> nss_uid;
  if (const std::optional<Verdict> not_ours =
          NotLatchkeysName(io, config.nss, user, nss_uid)) {
    return Finish(io, phase, user, *not_ours);
  }
  const AuthContext ctx = io.Context();
  AgentSession agent(io, config.fleet);  // closed when this returns

  AgentRequest about("account");
  about.Add("user", user)
      .Add("service", ctx.service)
      .Add("require_roles", std::vector<std::string>{})
      .Add("nss_uid", nss_uid);
  const std::optional<AgentAnswer> account = agent.Call(about);
  const Verdict state = account ? VerdictOfAgentAccount(account->status())
                                : Verdict::kUnavailable;
  if (state == Verdict::kUnknownUser) {
    return Finish(io, phase, user, Verdict::kUnknownUser);
  }
  if (state == Verdict::kUnavailable || state == Verdict::kInternalError) {
    // Nothing to the user: the name may be a local account that pam_unix
    // goes on to change.
    io.LogError("password change for " + LogValue(user, kAuditUsernameMax) +
                ": latchkey-agent cannot tell about the account");
    return Finish(io, phase, user, state);
  }

  const bool expired_only = (flags & PAM_CHANGE_EXPIRED_AUTHTOK) != 0;
  const bool as_root = options.root_may_reset && getuid() == 0 && !expired_only;
  if (expired_only && state != Verdict::kPasswordExpired) {
    return Finish(io, phase, user, Verdict::kOk);  // nothing to renew
  }

  if (phase == Phase::kPasswordPrelim) {
    return PasswordPrelim(io, user, as_root, state == Verdict::kLocked);
  }
  Secret old_password;
  Secret new_password;
  if (const std::optional<int> stop =
          ReadPasswordUpdate(io, user, as_root, old_password, new_password)) {
    return *stop;
  }
  AgentRequest change("change_password");
  change.Add("user", user);
  if (as_root) {
    change.AddNull("old_password");
  } else {
    change.Add("old_password", old_password);
  }
  change.Add("new_password", new_password)
      .Add("service", ctx.service)
      .Add("rhost", ctx.rhost)
      .Add("tty", ctx.tty);
  const std::optional<AgentAnswer> answer = agent.Call(change);
  agent.Close();

  const Verdict verdict =
      answer ? VerdictOfAgentPassword(answer->status()) : Verdict::kUnavailable;
  if (verdict == Verdict::kResetNotAllowed) {
    io.LogNotice("password reset for " + LogValue(user, kAuditUsernameMax) +
                 " refused: this host may not reset passwords");
  }
  TellUserPassword(io, verdict,
                   answer ? answer->String("message") : std::string());
  return Finish(io, phase, user, verdict);
}

}  // namespace latchkey::pam
