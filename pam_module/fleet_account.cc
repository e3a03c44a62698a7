// pam_sm_acct_mgmt in fleet mode: account.cc's checks, answered by
// latchkey-agent (op account), which adds the host access rules.
#include <optional>
#include <string>

#include "agent_client.h"
#include "phases.h"
#include "tell_user.h"

namespace latchkey::pam {

int CheckAccountThroughAgent(PamIo& io, const ModuleOptions& options,
                             const Config& config, const std::string& user) {
  std::optional<int64_t> nss_uid;
  if (const std::optional<Verdict> not_ours =
          NotLatchkeysName(io, config.nss, user, nss_uid)) {
    return Finish(io, Phase::kAccount, user, *not_ours);
  }
  AgentSession agent(io, config.fleet);  // closed when this returns
  AgentRequest request("account");
  request.Add("user", user)
      .Add("service", io.Context().service)
      .Add("require_roles", options.require_roles)
      .Add("nss_uid", nss_uid);
  const std::optional<AgentAnswer> answer = agent.Call(request);
  agent.Close();

  const Verdict verdict =
      answer ? VerdictOfAgentAccount(answer->status()) : Verdict::kUnavailable;
  if (verdict == Verdict::kRoleMissing || verdict == Verdict::kAccessDenied) {
    io.LogNotice("account " + LogValue(user, kAuditUsernameMax) + ": " +
                 std::string(VerdictName(verdict)));
  }
  TellUserAccount(io, verdict);
  return Finish(io, Phase::kAccount, user, verdict);
}

}  // namespace latchkey::pam
